/* The service worker, filled in at build time (vite.config.ts) with the list of the
   built files. It keeps the app shell on the device so the app opens without a
   connection; API calls always go to the network (the app queues offline logs in
   IndexedDB itself). */
const VERSION = "d3668555e3b9";
const SHELL = ["/","/assets/ActivityDetailPage-CDSyQnTb.js","/assets/ActivityRow-CgI6iNoD.js","/assets/AuthLayout-Dlb9mYsr.js","/assets/BossCard-C8bkTmkH.js","/assets/BossPage-C__Lbwnj.js","/assets/Button-DneiS4Pi.js","/assets/Card-Bd5s33Zd.js","/assets/ClassRevealPage-Dma6EIBG.js","/assets/DashboardPage-DfmWbeR_.js","/assets/DuelReplayPage-BwJPTc3U.js","/assets/DuelsPage-B4muZ3mr.js","/assets/Field-CT1Y9R0y.js","/assets/GoalSliders-ALZa1KmO.js","/assets/HistoryPage-BApom7hm.js","/assets/LeaderboardPage-DPrfhqDR.js","/assets/LedgerPage-BMOznwmZ.js","/assets/LogActivityPage-Da54UVl6.js","/assets/LoginPage-C1l3TWbT.js","/assets/Meter-DoOZgW9I.js","/assets/MorePage-2GV339ec.js","/assets/ProfilePage-DB3ByAbW.js","/assets/ProgressPage-CnsZ1jie.css","/assets/ProgressPage-DhX17S2R.js","/assets/RegisterPage-Dp1ulg69.js","/assets/SetsEditor-CGbT3GCZ.js","/assets/SettingsPage-C2xrZXr7.js","/assets/activity-form-cQ3auWci.js","/assets/get-dashboard-g-_LZndt.js","/assets/index-B3dc6-V7.js","/assets/index-D8Q5LXdx.css","/assets/query-keys-DKqeKQTB.js","/assets/recent-strength-Cwz21BU-.js","/assets/strength-history-BZ9e1P_8.js","/assets/types-BhAyb-OE.js","/assets/useBaseQuery-DKn03THd.js","/assets/useInfiniteQuery-1M_VdVER.js","/manifest.webmanifest","/favicon.svg","/icons/icon-192.png","/icons/icon-512.png"];
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
