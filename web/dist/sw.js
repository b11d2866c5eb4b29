/* The service worker, filled in at build time (vite.config.ts) with the list of the
   built files. It keeps the app shell on the device so the app opens without a
   connection; API calls always go to the network (the app queues offline logs in
   IndexedDB itself). */
const VERSION = "ace85f8583cb";
const SHELL = ["/","/assets/ActivityDetailPage-DCh72zjz.js","/assets/ActivityRow-D5qo1nu7.js","/assets/AuthLayout-DDAvC5si.js","/assets/BossCard-DKqaM5U1.js","/assets/BossPage-CJkPPb5F.js","/assets/Button-Cc06lYiO.js","/assets/Card-BkZ9mnj2.js","/assets/ClassRevealPage-Dd_2ToK9.js","/assets/DashboardPage-C9Ip4hQJ.js","/assets/DuelReplayPage-DhEsbr8k.js","/assets/DuelsPage-B3zd3JnG.js","/assets/Field-RZ_dQ7DA.js","/assets/GoalSliders-DWPpum98.js","/assets/HistoryPage-DmaPcwv9.js","/assets/LeaderboardPage-D03mavQz.js","/assets/LedgerPage-CSTHTpzY.js","/assets/LogActivityPage-D9zZ18xa.js","/assets/LoginPage-DwioHmZA.js","/assets/Meter-BoE4DnkY.js","/assets/MorePage-BqPi2yR2.js","/assets/ProfilePage-BT5O0U-5.js","/assets/ProgressPage-CnsZ1jie.css","/assets/ProgressPage-Q37SxxBv.js","/assets/RegisterPage-B2iCGvy0.js","/assets/SetsEditor-D43WaZQA.js","/assets/SettingsPage-BZgPHkwn.js","/assets/activity-form-cQ3auWci.js","/assets/get-dashboard-BoBPHMMa.js","/assets/index-CKEux_ur.js","/assets/index-qyvkH_VZ.css","/assets/query-keys-C_eP-kpP.js","/assets/recent-strength-CF614f3_.js","/assets/strength-history-BZ9e1P_8.js","/assets/types-BhAyb-OE.js","/assets/useBaseQuery-c34N4a7G.js","/assets/useInfiniteQuery-DxFux3Kp.js","/manifest.webmanifest","/favicon.svg","/icons/icon-192.png","/icons/icon-512.png"];
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
