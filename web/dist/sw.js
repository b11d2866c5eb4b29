/* The service worker, filled in at build time (vite.config.ts) with the list of the
   built files. It keeps the app shell on the device so the app opens without a
   connection; API calls always go to the network (the app queues offline logs in
   IndexedDB itself). */
const VERSION = "b0272f7e65a8";
const SHELL = ["/","/assets/ActivityDetailPage-VUkSGXwL.js","/assets/ActivityRow-DorPM2oH.js","/assets/AuthLayout-_N1Am7LR.js","/assets/BossCard-CJUbxreK.js","/assets/BossPage-CrEKLo-0.js","/assets/Button-Cc06lYiO.js","/assets/Card-BkZ9mnj2.js","/assets/ClassRevealPage-C5GJXrsW.js","/assets/DashboardPage-bPW-oaF8.js","/assets/DuelReplayPage-CQCUp5nh.js","/assets/DuelsPage--HAttt4_.js","/assets/Field-BcUXDKOY.js","/assets/GoalSliders-_r34NdvG.js","/assets/HistoryPage-SwjvyFWu.js","/assets/LeaderboardPage-Cr2mAmgj.js","/assets/LedgerPage-ctKpmpey.js","/assets/LogActivityPage-BxZgOhUP.js","/assets/LoginPage-CaRPIMl-.js","/assets/Meter-BoE4DnkY.js","/assets/MorePage-Biqj0w91.js","/assets/ProfilePage-Cafw156q.js","/assets/ProgressPage-C3LE6Cmu.js","/assets/ProgressPage-CnsZ1jie.css","/assets/RegisterPage-CijobM4Q.js","/assets/SetsEditor-DCTbBlFA.js","/assets/SettingsPage-CwfnmrW1.js","/assets/activity-form-DMt08UsS.js","/assets/get-dashboard-CHJ8iDNL.js","/assets/index-7ESMpN90.js","/assets/index-DhpjlACY.css","/assets/query-keys-C_eP-kpP.js","/assets/recent-strength-DLWIuEZJ.js","/assets/strength-history-BZ9e1P_8.js","/assets/types-BhAyb-OE.js","/assets/useBaseQuery-c34N4a7G.js","/assets/useInfiniteQuery-DxFux3Kp.js","/manifest.webmanifest","/favicon.svg","/icons/icon-192.png","/icons/icon-512.png"];
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
