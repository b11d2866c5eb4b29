/* The service worker, filled in at build time (vite.config.ts) with the list of the
   built files. It keeps the app shell on the device so the app opens without a
   connection; API calls always go to the network (the app queues offline logs in
   IndexedDB itself). */
const VERSION = "3492fbb3c1ff";
const SHELL = ["/","/assets/ActivityDetailPage-DYPeaAu9.js","/assets/ActivityRow-7Tv4tM7Q.js","/assets/AuthLayout-cDK6W_AW.js","/assets/BossCard-CNJ1a9Xo.js","/assets/BossPage-8MMNpjC9.js","/assets/Button-DneiS4Pi.js","/assets/Card-Bd5s33Zd.js","/assets/ClassRevealPage-BwXvoaqb.js","/assets/DashboardPage-C8nZIm9V.js","/assets/DuelReplayPage-DLUwja9x.js","/assets/DuelsPage-BdCrUBMq.js","/assets/Field-BBHKBEH_.js","/assets/GoalSliders-D7l_dOZX.js","/assets/HistoryPage-BGEiPv3P.js","/assets/LeaderboardPage-BbQU8Mi4.js","/assets/LedgerPage-AKJ715bd.js","/assets/LogActivityPage-ducxq43s.js","/assets/LoginPage-XYQkQzmW.js","/assets/Meter-DoOZgW9I.js","/assets/MorePage-Cjz8Vzm6.js","/assets/ProfilePage-LIzX2b5O.js","/assets/ProgressPage-1qWLpgPS.js","/assets/ProgressPage-CnsZ1jie.css","/assets/RegisterPage-CLrMV5rG.js","/assets/SetsEditor-DtF1r5kJ.js","/assets/SettingsPage-CsEQyWRs.js","/assets/activity-form-cQ3auWci.js","/assets/get-dashboard-CUzzwgAt.js","/assets/index-DE7s3r48.css","/assets/index-r-gnW7xh.js","/assets/query-keys-DKqeKQTB.js","/assets/recent-strength-DoPOqJfi.js","/assets/strength-history-BZ9e1P_8.js","/assets/types-BhAyb-OE.js","/assets/useBaseQuery-DKn03THd.js","/assets/useInfiniteQuery-1M_VdVER.js","/manifest.webmanifest","/favicon.svg","/icons/icon-192.png","/icons/icon-512.png"];
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
