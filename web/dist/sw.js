/* The service worker, filled in at build time (vite.config.ts) with the list of the
   built files. It keeps the app shell on the device so the app opens without a
   connection; API calls always go to the network (the app queues offline logs in
   IndexedDB itself). */
const VERSION = "a194c1fe94fd";
const SHELL = ["/","/assets/ActivityDetailPage-uuVrzcxv.js","/assets/ActivityRow-b2SkMQU5.js","/assets/AuthLayout-h-nBS6BH.js","/assets/BossCard-Di7MbvlT.js","/assets/BossPage-EgQPHx9G.js","/assets/Button-DneiS4Pi.js","/assets/Card-Bd5s33Zd.js","/assets/ClassRevealPage-B0YTRHjh.js","/assets/DashboardPage-D5MdQ2Rj.js","/assets/DuelReplayPage-BgBY8Ihc.js","/assets/DuelsPage--I8Jv1IK.js","/assets/Field-BfTaEJVI.js","/assets/GoalSliders-D-xUfc5F.js","/assets/HistoryPage-D897DTWD.js","/assets/LeaderboardPage-BdaY_0BX.js","/assets/LedgerPage-Ch_7agtm.js","/assets/LogActivityPage-ny9ojf_V.js","/assets/LoginPage-IcnJnHxy.js","/assets/Meter-DoOZgW9I.js","/assets/MorePage-C6G6OLut.js","/assets/ProfilePage-07xOppen.js","/assets/ProgressPage-CS8SN0j-.js","/assets/ProgressPage-CnsZ1jie.css","/assets/RegisterPage--48z_LFW.js","/assets/SetsEditor-BLk6wloz.js","/assets/SettingsPage-DDsDPB0i.js","/assets/activity-form-CiWcIFls.js","/assets/get-dashboard-DU2tOdaA.js","/assets/index-C5zONrN-.js","/assets/index-D8Q5LXdx.css","/assets/query-keys-DKqeKQTB.js","/assets/recent-strength-Eq3Cr5lt.js","/assets/strength-history-CKDG8R9f.js","/assets/types-BhAyb-OE.js","/assets/useBaseQuery-DKn03THd.js","/assets/useInfiniteQuery-1M_VdVER.js","/manifest.webmanifest","/favicon.svg","/icons/icon-192.png","/icons/icon-512.png"];
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
