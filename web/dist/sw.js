/* The service worker, filled in at build time (vite.config.ts) with the list of the
   built files. It keeps the app shell on the device so the app opens without a
   connection; API calls always go to the network (the app queues offline logs in
   IndexedDB itself). */
const VERSION = "5d18878cedc0";
const SHELL = ["/","/assets/ActivityDetailPage-BPMK2n-7.js","/assets/ActivityRow-B2ohvIpk.js","/assets/AuthLayout-DgpgARWj.js","/assets/BossCard-BoWKcjvH.js","/assets/BossPage-B24YJibC.js","/assets/Button-DneiS4Pi.js","/assets/Card-Bd5s33Zd.js","/assets/ClassRevealPage-DOmrycYZ.js","/assets/DashboardPage-WSNi0NdA.js","/assets/DuelReplayPage-BcBCDU5y.js","/assets/DuelsPage-CFSbRfzo.js","/assets/Field-apRPzCpj.js","/assets/GoalSliders-DsXfHAjz.js","/assets/HistoryPage-Cz7BpVHL.js","/assets/LeaderboardPage-KtxyTEtS.js","/assets/LedgerPage-ClRmb7-8.js","/assets/LogActivityPage-Br0szWCb.js","/assets/LoginPage-BB7ASes3.js","/assets/Meter-DoOZgW9I.js","/assets/MorePage-D2vKiDh9.js","/assets/ProfilePage-BdUPtS9v.js","/assets/ProgressPage-CnsZ1jie.css","/assets/ProgressPage-DPYzn0CV.js","/assets/RegisterPage-Cllj0Pt-.js","/assets/SetsEditor-CP6DBGle.js","/assets/SettingsPage-Bbbr6EvA.js","/assets/activity-form-cQ3auWci.js","/assets/get-dashboard-veNj_F2u.js","/assets/index-D8Q5LXdx.css","/assets/index-DCrjce85.js","/assets/query-keys-DKqeKQTB.js","/assets/recent-strength-DwbRNKa7.js","/assets/strength-history-BZ9e1P_8.js","/assets/types-BhAyb-OE.js","/assets/useBaseQuery-DKn03THd.js","/assets/useInfiniteQuery-1M_VdVER.js","/manifest.webmanifest","/favicon.svg","/icons/icon-192.png","/icons/icon-512.png"];
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
