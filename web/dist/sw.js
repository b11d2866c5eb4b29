/* The service worker, filled in at build time (vite.config.ts) with the list of the
   built files. It keeps the app shell on the device so the app opens without a
   connection; API calls always go to the network (the app queues offline logs in
   IndexedDB itself). */
const VERSION = "3416900a80ac";
const SHELL = ["/","/assets/ActivityDetailPage-B0Vug6eZ.js","/assets/ActivityRow-Dl_3O77X.js","/assets/AuthLayout-TFwHjVxh.js","/assets/BossCard-BCqMK4UG.js","/assets/BossPage-C6rnQ9Jw.js","/assets/Button-Cc06lYiO.js","/assets/Card-BkZ9mnj2.js","/assets/ClassRevealPage-DVrl3kdT.js","/assets/DashboardPage-BF199SEI.js","/assets/DuelReplayPage-B9o2awls.js","/assets/DuelsPage-BexF4VKZ.js","/assets/Field-CGkUHmDw.js","/assets/GoalSliders-3kpj77SK.js","/assets/HistoryPage-CbT0rut8.js","/assets/LeaderboardPage-Cm50TysB.js","/assets/LedgerPage-BTu9Z5dz.js","/assets/LogActivityPage-BcO3fYuQ.js","/assets/LoginPage-CC89XPlx.js","/assets/Meter-BoE4DnkY.js","/assets/MorePage-CfouhKL3.js","/assets/ProfilePage-DyPMj0G7.js","/assets/ProgressPage-CnsZ1jie.css","/assets/ProgressPage-tPgScYdY.js","/assets/RegisterPage-ds1vKFVK.js","/assets/SetsEditor-B1Xj8nCW.js","/assets/SettingsPage-Vf5x--SB.js","/assets/activity-form-cQ3auWci.js","/assets/get-dashboard-Cj5gtMKc.js","/assets/index-CPdmv-26.js","/assets/index-qyvkH_VZ.css","/assets/query-keys-C_eP-kpP.js","/assets/recent-strength-DasCXt1y.js","/assets/strength-history-BZ9e1P_8.js","/assets/types-BhAyb-OE.js","/assets/useBaseQuery-c34N4a7G.js","/assets/useInfiniteQuery-DxFux3Kp.js","/manifest.webmanifest","/favicon.svg","/icons/icon-192.png","/icons/icon-512.png"];
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
