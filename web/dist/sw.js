/* The service worker, filled in at build time (vite.config.ts) with the list of the
   built files. It keeps the app shell on the device so the app opens without a
   connection; API calls always go to the network (the app queues offline logs in
   IndexedDB itself). */
const VERSION = "094c92ef30cc";
const SHELL = ["/","/assets/ActivityDetailPage-C6lHtEy-.js","/assets/ActivityRow-DcEWZVGA.js","/assets/AuthLayout-SsVwnr4e.js","/assets/BossCard-TFt2nuwO.js","/assets/BossPage-BRhcDZBy.js","/assets/Button-DneiS4Pi.js","/assets/Card-Bd5s33Zd.js","/assets/ClassRevealPage-B7h9ZWr5.js","/assets/DashboardPage-DD8S8g6i.js","/assets/DuelReplayPage-C8mzdSAG.js","/assets/DuelsPage-gP0wGbV4.js","/assets/Field-B_3tANho.js","/assets/GoalSliders-7g53Q4Ja.js","/assets/HistoryPage-BVcf5-Ea.js","/assets/LeaderboardPage-C1E6Ka_R.js","/assets/LedgerPage-B9B42D2Y.js","/assets/LogActivityPage-hLLdsJSW.js","/assets/LoginPage-BnBHo5rU.js","/assets/Meter-DoOZgW9I.js","/assets/MorePage-vyDwQr51.js","/assets/ProfilePage-DDXnpfiL.js","/assets/ProgressPage-Cgmg5I1l.js","/assets/ProgressPage-CnsZ1jie.css","/assets/RegisterPage-ByldXIPX.js","/assets/SetsEditor-yUbEoWuu.js","/assets/SettingsPage-CctZ5XOB.js","/assets/activity-form-CiWcIFls.js","/assets/get-dashboard-BDhjIPli.js","/assets/index--a8J8Aey.js","/assets/index-BuwXf-ce.css","/assets/query-keys-DKqeKQTB.js","/assets/recent-strength-Dn_SKZky.js","/assets/strength-history-CKDG8R9f.js","/assets/types-BhAyb-OE.js","/assets/useBaseQuery-DKn03THd.js","/assets/useInfiniteQuery-1M_VdVER.js","/manifest.webmanifest","/favicon.svg","/icons/icon-192.png","/icons/icon-512.png"];
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
