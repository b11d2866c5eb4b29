/* The service worker, filled in at build time (vite.config.ts) with the list of the
   built files. It keeps the app shell on the device so the app opens without a
   connection; API calls always go to the network (the app queues offline logs in
   IndexedDB itself). */
const VERSION = "3fa6be333193";
const SHELL = ["/","/assets/ActivityDetailPage-CL1D5G6t.js","/assets/ActivityRow-BvX6zAEF.js","/assets/AuthLayout-DjY0-AIc.js","/assets/BossCard-g47B5yrl.js","/assets/BossPage-6ZLVWomG.js","/assets/Button-DpXOv9zv.js","/assets/Card-Cx1i1eLN.js","/assets/ClassRevealPage-COg97UoV.js","/assets/DashboardPage-Cmae0Vpo.js","/assets/DuelReplayPage-CAu2uyBN.js","/assets/DuelsPage-Bt52lk7c.js","/assets/GoalSliders-BT1mBVcP.js","/assets/HistoryPage-Th2fYaQP.js","/assets/LeaderboardPage-Cy7Zcop2.js","/assets/LedgerPage-CIMdQFiC.js","/assets/LogActivityPage-CmadXRJQ.js","/assets/LoginPage-CgS6H7_x.js","/assets/Meter-CkhVf2Jp.js","/assets/MorePage-Bllwgbys.js","/assets/ProfilePage-Fg_DsOl1.js","/assets/ProgressPage-CnsZ1jie.css","/assets/ProgressPage-QaRfSA5g.js","/assets/RegisterPage-Rcg9-oH9.js","/assets/SetsEditor-aNKoyaNM.js","/assets/SettingsPage-KRGdoZJi.js","/assets/attempt-key-DfHP5znY.js","/assets/get-dashboard-C4Q8bbOB.js","/assets/index-C8w77QJ3.js","/assets/index-DaF7wW2q.css","/assets/query-keys-Dd4nqYbA.js","/assets/recent-strength-BOlz2apP.js","/assets/strength-history-BZ9e1P_8.js","/assets/types-BhAyb-OE.js","/assets/use-token-Baxcr5Uy.js","/assets/useInfiniteQuery-BomDO7_S.js","/assets/useQuery-CFD9QSzw.js","/manifest.webmanifest","/favicon.svg","/icons/icon-192.png","/icons/icon-512.png"];
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
