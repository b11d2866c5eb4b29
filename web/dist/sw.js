/* The service worker, filled in at build time (vite.config.ts) with the list of the
   built files. It keeps the app shell on the device so the app opens without a
   connection; API calls always go to the network (the app queues offline logs in
   IndexedDB itself). */
const VERSION = "eb8d0387d0dd";
const SHELL = ["/","/assets/ActivityDetailPage-B2MrudjO.js","/assets/ActivityRow-DvHSSIR4.js","/assets/AuthLayout-BNR1zibk.js","/assets/BossCard-BzyVduEE.js","/assets/BossPage-Beg0NonP.js","/assets/Button-DpXOv9zv.js","/assets/Card-Cx1i1eLN.js","/assets/ClassRevealPage-D2LzmZ3T.js","/assets/DashboardPage-BcsZMy5P.js","/assets/DuelReplayPage-B_U_JYx_.js","/assets/DuelsPage-B1aIrFuJ.js","/assets/GoalSliders-CZ1tDVL1.js","/assets/HistoryPage-BLZfg_Qa.js","/assets/LeaderboardPage-DyDz0jUR.js","/assets/LedgerPage-DiVB1AZm.js","/assets/LogActivityPage-9boJURU9.js","/assets/LoginPage-D75QwPOI.js","/assets/Meter-Bysbqi5s.js","/assets/MorePage-DKBlCkAB.js","/assets/ProfilePage-DxeqvksO.js","/assets/ProgressPage-CnsZ1jie.css","/assets/ProgressPage-D63c2fk4.js","/assets/RegisterPage-239MqmgL.js","/assets/SetsEditor-B1fTFePC.js","/assets/SettingsPage-C4KXgrlw.js","/assets/attempt-key-j2_ybT16.js","/assets/get-dashboard-C4Q8bbOB.js","/assets/index-CJ7Yteel.css","/assets/index-DT3Ex3QU.js","/assets/query-keys-Dd4nqYbA.js","/assets/recent-strength-BOlz2apP.js","/assets/strength-history-BZ9e1P_8.js","/assets/types-BhAyb-OE.js","/assets/use-token-Baxcr5Uy.js","/assets/useInfiniteQuery-BomDO7_S.js","/assets/useQuery-CFD9QSzw.js","/manifest.webmanifest","/favicon.svg","/icons/icon-192.png","/icons/icon-512.png"];
const CACHE = `shonen-shell-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('shonen-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (req.mode === 'navigate') {
    // Pages: the network first (fresh deploys), the cached shell when offline.
    event.respondWith(fetch(req).catch(() => caches.match('/', { cacheName: CACHE }).then((r) => r || Response.error())));
    return;
  }
  // Built files are content-hashed: the cache first.
  event.respondWith(
    caches.match(req, { cacheName: CACHE }).then(
      (hit) =>
        hit ||
        fetch(req).then((res) => {
          if (res.ok && url.pathname.startsWith('/assets/')) {
            const copy = res.clone();
            caches.open(CACHE).then((c) => c.put(req, copy));
          }
          return res;
        }),
    ),
  );
});
