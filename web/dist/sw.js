/* The service worker, filled in at build time (vite.config.ts) with the list of the
   built files. It keeps the app shell on the device so the app opens without a
   connection; API calls always go to the network (the app queues offline logs in
   IndexedDB itself). */
const VERSION = "c4a8cc2a23be";
const SHELL = ["/","/assets/ActivityDetailPage-2J7k9Z0M.js","/assets/ActivityRow-DmmVv1en.js","/assets/AuthLayout-B32z6IQO.js","/assets/BossCard-BdfOMWX9.js","/assets/BossPage-u5YME1MU.js","/assets/Button-DneiS4Pi.js","/assets/Card-Bd5s33Zd.js","/assets/ClassRevealPage-CkMe4oR3.js","/assets/DashboardPage-B7iBic6k.js","/assets/DuelReplayPage-Bos5XkKb.js","/assets/DuelsPage-CykcgaMv.js","/assets/Field-C7yswUu_.js","/assets/GoalSliders-ZzCE4DkA.js","/assets/HistoryPage-DUJuNIJC.js","/assets/LeaderboardPage-BfCdXTFZ.js","/assets/LedgerPage-Dy2nFBBK.js","/assets/LogActivityPage-Bu-RSEYI.js","/assets/LoginPage-CA6HXcWt.js","/assets/Meter-DoOZgW9I.js","/assets/MorePage-Bpv4ZlZc.js","/assets/ProfilePage-E5WKik7Y.js","/assets/ProgressPage-CnsZ1jie.css","/assets/ProgressPage-pqcGVs-X.js","/assets/RegisterPage-YQwOEqYs.js","/assets/SetsEditor-D0jnpb83.js","/assets/SettingsPage-OE9UCGuG.js","/assets/activity-form-cQ3auWci.js","/assets/get-dashboard-Lwd8NQpD.js","/assets/index-D47jJnK0.css","/assets/index-DS-5HAjw.js","/assets/query-keys-DKqeKQTB.js","/assets/recent-strength-CQ2Fov0S.js","/assets/strength-history-BZ9e1P_8.js","/assets/types-BhAyb-OE.js","/assets/useBaseQuery-DKn03THd.js","/assets/useInfiniteQuery-1M_VdVER.js","/manifest.webmanifest","/favicon.svg","/icons/icon-192.png","/icons/icon-512.png"];
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
