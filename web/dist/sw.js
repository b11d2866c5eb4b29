/* The service worker, filled in at build time (vite.config.ts) with the list of the
   built files. It keeps the app shell on the device so the app opens without a
   connection; API calls always go to the network (the app queues offline logs in
   IndexedDB itself). */
const VERSION = "84681aa05898";
const SHELL = ["/","/assets/ActivityDetailPage-DoCNTjUU.js","/assets/ActivityRow-B_VN0JtM.js","/assets/AuthLayout-Bni5R3Rc.js","/assets/BossCard-DN6gW7Wf.js","/assets/BossPage-CK3iPGqv.js","/assets/Button-DpXOv9zv.js","/assets/Card-Cx1i1eLN.js","/assets/ClassRevealPage-BlRj5xag.js","/assets/DashboardPage-cUE0S5ap.js","/assets/DuelReplayPage-n-oBWCgB.js","/assets/DuelsPage-DMWNmYz0.js","/assets/GoalSliders-CmGsN8YL.js","/assets/HistoryPage-DGwyjJGa.js","/assets/LeaderboardPage-jaIh_X6U.js","/assets/LedgerPage-fdPYHP78.js","/assets/LogActivityPage-CEqGsQWx.js","/assets/LoginPage-CeXMqqFT.js","/assets/Meter-CkhVf2Jp.js","/assets/MorePage-CwPZAEjn.js","/assets/ProfilePage-CkPvrC9P.js","/assets/ProgressPage-BytEtno3.js","/assets/ProgressPage-CnsZ1jie.css","/assets/RegisterPage-BrCaAGgi.js","/assets/SetsEditor-CnTk2abz.js","/assets/SettingsPage-DMvUK0Lg.js","/assets/attempt-key-CJYqOXe_.js","/assets/get-dashboard-C4Q8bbOB.js","/assets/index-DaF7wW2q.css","/assets/index-msEEdoID.js","/assets/query-keys-Dd4nqYbA.js","/assets/recent-strength-BOlz2apP.js","/assets/strength-history-BZ9e1P_8.js","/assets/types-BhAyb-OE.js","/assets/use-token-Baxcr5Uy.js","/assets/useInfiniteQuery-BomDO7_S.js","/assets/useQuery-CFD9QSzw.js","/manifest.webmanifest","/favicon.svg","/icons/icon-192.png","/icons/icon-512.png"];
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
