/* The service worker, filled in at build time (vite.config.ts) with the list of the
   built files. It keeps the app shell on the device so the app opens without a
   connection; API calls always go to the network (the app queues offline logs in
   IndexedDB itself). */
const VERSION = "23f76a60081b";
const SHELL = ["/","/assets/ActivityDetailPage-DZV69iCb.js","/assets/ActivityRow-CBXnvbpk.js","/assets/AuthLayout-BPCwzqsC.js","/assets/BossCard-C4qSVWyW.js","/assets/BossPage-CprrrVAc.js","/assets/Button-DneiS4Pi.js","/assets/Card-Bd5s33Zd.js","/assets/ClassRevealPage-DtwoisSt.js","/assets/DashboardPage-CqFsDN1p.js","/assets/DuelReplayPage-DpKHCo-d.js","/assets/DuelsPage-XxohM_Is.js","/assets/Field-Co1H7S9K.js","/assets/GoalSliders-CDki1gyH.js","/assets/HistoryPage-O0yfNov3.js","/assets/LeaderboardPage-Bptld8cZ.js","/assets/LedgerPage-AbxAdr6j.js","/assets/LogActivityPage-DBldlcjB.js","/assets/LoginPage-B96X_R4y.js","/assets/Meter-DoOZgW9I.js","/assets/MorePage-xiuThHVJ.js","/assets/ProfilePage-hvOhyqwi.js","/assets/ProgressPage-CnsZ1jie.css","/assets/ProgressPage-Dv02IudN.js","/assets/RegisterPage-DyZpVOWA.js","/assets/SetsEditor-BHKMdvLs.js","/assets/SettingsPage-s5Qw6N8S.js","/assets/activity-form-cQ3auWci.js","/assets/get-dashboard-B6VuW3Ot.js","/assets/index-D47jJnK0.css","/assets/index-KqvQPeQk.js","/assets/query-keys-DKqeKQTB.js","/assets/recent-strength-BnyP2k1b.js","/assets/strength-history-BZ9e1P_8.js","/assets/types-BhAyb-OE.js","/assets/useBaseQuery-DKn03THd.js","/assets/useInfiniteQuery-1M_VdVER.js","/manifest.webmanifest","/favicon.svg","/icons/icon-192.png","/icons/icon-512.png"];
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
