/* The service worker, filled in at build time (vite.config.ts) with the list of the
   built files. It keeps the app shell on the device so the app opens without a
   connection; API calls always go to the network (the app queues offline logs in
   IndexedDB itself). */
const VERSION = "0ad0c5cdee41";
const SHELL = ["/","/assets/ActivityDetailPage-zYZ-cFep.js","/assets/ActivityRow-CIrObfyy.js","/assets/AuthLayout-DivMLnti.js","/assets/BossCard-B4b7Sdog.js","/assets/BossPage-D6Y2qBYw.js","/assets/Button-Cc06lYiO.js","/assets/Card-BkZ9mnj2.js","/assets/ClassRevealPage-Bgr_JQop.js","/assets/DashboardPage-DgO3L4Wv.js","/assets/DuelReplayPage-D3bkUjSX.js","/assets/DuelsPage-BZTMNUDh.js","/assets/Field-C7jrfVIx.js","/assets/GoalSliders-BTFeNiQL.js","/assets/HistoryPage-2F5s4x2q.js","/assets/LeaderboardPage-CeIJpfXg.js","/assets/LedgerPage-CkUfHgdm.js","/assets/LogActivityPage-B_RHK-H5.js","/assets/LoginPage-CBkTKKME.js","/assets/Meter-BoE4DnkY.js","/assets/MorePage-CBeXdppO.js","/assets/ProfilePage-Cu86Cg-h.js","/assets/ProgressPage-BhoWGfXE.js","/assets/ProgressPage-CnsZ1jie.css","/assets/RegisterPage-C9Ui6sy8.js","/assets/SetsEditor-DkfTNYHM.js","/assets/SettingsPage-DqLfklEf.js","/assets/activity-form-cQ3auWci.js","/assets/get-dashboard-BOgvQHVz.js","/assets/index-C1A7arLi.js","/assets/index-qyvkH_VZ.css","/assets/query-keys-C_eP-kpP.js","/assets/recent-strength-BONhvzsd.js","/assets/strength-history-BZ9e1P_8.js","/assets/types-BhAyb-OE.js","/assets/useBaseQuery-c34N4a7G.js","/assets/useInfiniteQuery-DxFux3Kp.js","/manifest.webmanifest","/favicon.svg","/icons/icon-192.png","/icons/icon-512.png"];
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
