/* The service worker, filled in at build time (vite.config.ts) with the list of the
   built files. It keeps the app shell on the device so the app opens without a
   connection; API calls always go to the network (the app queues offline logs in
   IndexedDB itself). */
const VERSION = "12da8f772c4f";
const SHELL = ["/","/assets/ActivityDetailPage-DYP30TGD.js","/assets/ActivityRow-Be0fy5CG.js","/assets/AuthLayout-sx_6gsqc.js","/assets/BossCard-B3xtYcPw.js","/assets/BossPage-BPNo-ipn.js","/assets/Button-DneiS4Pi.js","/assets/Card-Bd5s33Zd.js","/assets/ClassRevealPage-CCzkKWdK.js","/assets/DashboardPage-CLz30FvT.js","/assets/DuelReplayPage-DR6IDsqU.js","/assets/DuelsPage-guCHH0LI.js","/assets/Field-BoLWOfja.js","/assets/GoalSliders-WXvOh5j2.js","/assets/HistoryPage-1peJnQvL.js","/assets/LeaderboardPage-BRmu1Kpw.js","/assets/LedgerPage-C9Hx0rlK.js","/assets/LogActivityPage-DdSG74bt.js","/assets/LoginPage-SYNvAznv.js","/assets/Meter-DoOZgW9I.js","/assets/MorePage-C_9rgg6k.js","/assets/ProfilePage-CnBNKDe7.js","/assets/ProgressPage-CnsZ1jie.css","/assets/ProgressPage-DlYnWHv1.js","/assets/RegisterPage-QTzX7cp9.js","/assets/SetsEditor-CWdQyYGr.js","/assets/SettingsPage-0BfEhrOc.js","/assets/activity-form-cQ3auWci.js","/assets/get-dashboard-C6_UeMyz.js","/assets/index-DXrTs3pH.js","/assets/index-DZNU63Ky.css","/assets/query-keys-DKqeKQTB.js","/assets/recent-strength-BcRr-IpH.js","/assets/strength-history-BZ9e1P_8.js","/assets/types-BhAyb-OE.js","/assets/useBaseQuery-DKn03THd.js","/assets/useInfiniteQuery-1M_VdVER.js","/manifest.webmanifest","/favicon.svg","/icons/icon-192.png","/icons/icon-512.png"];
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
