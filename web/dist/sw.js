/* The service worker, filled in at build time (vite.config.ts) with the list of the
   built files. It keeps the app shell on the device so the app opens without a
   connection; API calls always go to the network (the app queues offline logs in
   IndexedDB itself). */
const VERSION = "1114850459cc";
const SHELL = ["/","/assets/ActivityDetailPage-BF4uBPgp.js","/assets/ActivityRow-B2Hqz0yp.js","/assets/AuthLayout-dGeG4Zie.js","/assets/BossCard-D3DJaQ_8.js","/assets/BossPage-Dod02nrC.js","/assets/Button-DeQ8DNmO.js","/assets/Card-CX_zc3ow.js","/assets/ClassRevealPage-DLbweaPN.js","/assets/DashboardPage-Bv0WnZ8o.js","/assets/DuelReplayPage-fyQrtrUg.js","/assets/DuelsPage-Cbkcgkhg.js","/assets/GoalSliders-DNTZDsKd.js","/assets/HistoryPage-Up1yotcl.js","/assets/LeaderboardPage-D_in7nlc.js","/assets/LedgerPage-e-mNNQJl.js","/assets/LogActivityPage-bEPbUjhT.js","/assets/LoginPage-CaDOxWR2.js","/assets/Meter-Csm2ng0S.js","/assets/MorePage-Dt6XYbOv.js","/assets/ProfilePage-CFzpZvFz.js","/assets/ProgressPage-BieHHbAO.js","/assets/ProgressPage-CnsZ1jie.css","/assets/RegisterPage-yFGAKoeO.js","/assets/SetsEditor-Dc-1T8v-.js","/assets/SettingsPage-GN9CjXmh.js","/assets/activity-form-CKrfoIUK.js","/assets/attempt-key-CwiWck7u.js","/assets/get-dashboard-Dww2i6qT.js","/assets/index-Ct7t5uxA.js","/assets/index-W0Oms4nY.css","/assets/query-keys-BFFCOs-K.js","/assets/recent-strength-DeSTHvtD.js","/assets/strength-history-BZ9e1P_8.js","/assets/types-BhAyb-OE.js","/assets/useInfiniteQuery-DVadCk0T.js","/assets/useQuery-W4ts_0BI.js","/manifest.webmanifest","/favicon.svg","/icons/icon-192.png","/icons/icon-512.png"];
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
