#!/usr/bin/env node
// The web app end to end on a phone (360 × 844; SHONEN_E2E_WIDTH sets another width),
// through the real UI against a running server, in the system's Chromium
// (playwright-core; nothing is downloaded):
//
//  1. first visit → sign-up → class reveal → log each kind → dashboard;
//  2. a live leaderboard change caused by another player (two browser contexts);
//  3. a duel end to end (two browser contexts): challenge, accept, replay;
//  4. offline: the header says so at once; an activity logged without a connection
//     is queued, sent when the connection returns (the page then shows its award),
//     and stored exactly once; a challenge made offline fails at once and is never
//     sent later;
//  5. a double tap on "Log it" stores one activity and shows no error; unknown
//     players, activities and duels get a titled not-found page without Retry;
//  and on every page visited: no page wider than the screen, every control at least
//  44 × 44 px, the header's level in full, empty states as one sentence, and no
//  serious or critical axe-core violation (axe-core is injected from node_modules).
//
//   SHONEN_E2E_URL=http://127.0.0.1:8080 npm run e2e
//
// Needs Chromium at /usr/bin/chromium (Debian: apt-get install -y chromium) and a
// server allowing a few registrations from one address (SHONEN_REGISTRATIONS_PER_HOUR).
/* global document, window, axe -- used inside page.evaluate, which runs in the browser */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { warmStaticFiles } from './warm.mjs';

const BASE = (process.env.SHONEN_E2E_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const SHOT = process.env.SHONEN_E2E_SHOT ?? '/tmp/shonen-e2e.png';
const TIMEOUT = Number(process.env.SHONEN_E2E_TIMEOUT_MS ?? 15000);
// A narrow Android phone (360 px); 390 px (recent iPhones) and 320 px pass too.
const WIDTH = Number(process.env.SHONEN_E2E_WIDTH ?? 360);
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
// Usernames at the longest the API allows (32), padded with a wide letter, so every
// page that shows one (in a heading too, the duel's rewards line) is checked at its
// widest.
const newUser = (tag) => ({
  username: `${tag}_${run}`.padEnd(32, 'w').slice(0, 32),
  email: `${tag}_${run}@example.test`,
  password: `Kamehameha-${run}!`,
});

const started = Date.now();
let currentStep = '';
function step(msg) {
  currentStep = msg;
  console.log(`• [${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
}

console.log(`• static files warmed in ${((await warmStaticFiles(BASE)) / 1000).toFixed(1)} s (the server compresses each once)`);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

const problems = [];
const audited = new Set();

async function phone() {
  // The app runs under the server's Content-Security-Policy (no bypass): any script,
  // style or connection it refuses is a failure. axe-core is evaluated through the
  // DevTools protocol, which the policy does not govern.
  // Reduced motion: the audits see settled pages, not frames of an animation (and the
  // app must honour the setting).
  const context = await browser.newContext({ viewport: { width: WIDTH, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => /Content Security Policy/i.test(m.text()) && problems.push(`CSP: ${m.text()}`));
  page.on('response', (r) => r.status() >= 500 && problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`));
  // No request of the app's may fail while the network is up (a superseded read is
  // left to finish, not aborted); while the test holds the phone offline, they may.
  // A full navigation (page.goto, reload) aborts what the page had in flight: not the
  // app's doing.
  let navigatedAt = 0;
  page.on('request', (r) => {
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) navigatedAt = Date.now();
  });
  page.on('requestfailed', (r) => {
    const byNavigation = r.failure()?.errorText === 'net::ERR_ABORTED' && Date.now() - navigatedAt < 3000;
    if (!offline.now && !byNavigation) problems.push(`request failed: ${r.method()} ${r.url()} (${r.failure()?.errorText}) during "${currentStep}"`);
  });
  return { context, page };
}

const path = (page) => new URL(page.url()).pathname;
/** Whether the test is holding the phone offline (failed requests are expected then). */
const offline = { now: false };

async function waitForPath(page, p) {
  await page.waitForURL((u) => new URL(u).pathname === p);
}

/** Controls a finger must hit (inline links inside a sentence are exempt, as in WCAG 2.5.8). */
const CONTROLS = 'button, summary, select, [role="tab"], .btn, .icon-btn, .day, .me-chip, .brand, .tap, .tap-target, .tab-link, .menu-item, .activity-link, .table td a';

/** What a phone screen must get right whatever the page: target sizes, the header, empty states. */
async function layoutProblems(page) {
  return page.evaluate((selector) => {
    const out = [];
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && window.getComputedStyle(el).visibility !== 'hidden' && !el.closest('.sr-only');
    };
    for (const el of document.querySelectorAll(selector)) {
      if (!visible(el)) continue;
      const r = el.getBoundingClientRect();
      // Half a pixel for sub-pixel layout.
      if (r.width < 43.5 || r.height < 43.5) {
        const name = (el.getAttribute('aria-label') || el.textContent || el.tagName).trim().slice(0, 30);
        out.push(`"${name}" is ${Math.round(r.width)}×${Math.round(r.height)} px`);
      }
    }
    const chip = document.querySelector('.me-chip');
    const level = chip?.querySelector('.me-level');
    if (chip && level) {
      const c = chip.getBoundingClientRect();
      const l = level.getBoundingClientRect();
      if (l.width < 1 || l.right > c.right + 0.5 || level.scrollWidth > level.clientWidth + 1) out.push(`the header's level is cut (${level.textContent})`);
    }
    const brand = document.querySelector('.brand');
    if (brand && brand.getBoundingClientRect().height > 48) out.push('the brand takes more than one line');
    for (const el of document.querySelectorAll('.state-empty')) {
      if (window.getComputedStyle(el).display !== 'block') out.push(`an empty state is laid out as ${window.getComputedStyle(el).display}, not a sentence`);
    }
    return out;
  }, CONTROLS);
}

/** No horizontal overflow, phone-sized layout, and no serious/critical axe violations, once per route. */
async function check(page, label) {
  await page.locator('#main h1').first().waitFor();
  const width = await page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));
  if (width > WIDTH) throw new Error(`${label} (${path(page)}) is ${width}px wide on a ${WIDTH}px screen`);
  const layout = await layoutProblems(page);
  if (layout.length) throw new Error(`${label} (${path(page)}) on a ${WIDTH}px screen:\n    ${layout.join('\n    ')}`);
  const key = label;
  if (audited.has(key)) return;
  audited.add(key);
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  });
  if (violations.length) throw new Error(`axe on ${label} (${path(page)}):\n    ${violations.join('\n    ')}`);
}

async function tab(page, name, to) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
  await waitForPath(page, to);
}

async function register(page, u, goals) {
  await page.goto(`${BASE}/register`);
  await page.locator('input[name="username"]').fill(u.username);
  await page.locator('input[name="email"]').fill(u.email);
  await page.locator('input[name="password"]').fill(u.password);
  if (goals) {
    for (const [k, v] of Object.entries(goals)) {
      // A range input: set it the way a drag would (React listens to input events).
      await page.locator(`input[name="goals.${k}"]`).evaluate((el, value) => {
        Object.getOwnPropertyDescriptor(window.HTMLInputElement.prototype, 'value').set.call(el, value);
        el.dispatchEvent(new Event('input', { bubbles: true }));
      }, String(v));
    }
  }
  await page.getByRole('button', { name: /create my hero/i }).click();
  await waitForPath(page, '/welcome');
  await page.getByTestId('class-reveal').waitFor();
}

// The radio itself, checked where it is (as a test that finds it by role would):
// nothing on its option may cover it.
async function pickKind(page, kind) {
  await page.locator(`label[data-kind="${kind}"] input[type="radio"]`).check();
}

async function submitLog(page) {
  await page.getByRole('button', { name: /log it/i }).click();
  const final = await page.getByTestId('award-final').innerText();
  const xp = Number(final.replace(/[^\d-]/g, ''));
  if (!(xp > 0)) throw new Error(`award should be positive, got ${final}`);
  return xp;
}

async function token(page) {
  return page.evaluate(() => window.localStorage.getItem('shonen.token'));
}

async function api(page, method, p, body) {
  const t = await token(page);
  const res = await page.context().request.fetch(`${BASE}/api/v1${p}`, {
    method,
    headers: { Authorization: `Bearer ${t}`, 'Content-Type': 'application/json' },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status(), body: text ? JSON.parse(text) : null };
}

let code = 0;
let shotPage = null;
try {
  // ---------------------------------------------------------------- 1. onboarding
  const a = await phone();
  shotPage = a.page;
  const hero = newUser('hero');
  step('first visit lands on sign-up');
  await a.page.goto(`${BASE}/`);
  await waitForPath(a.page, '/register');
  await check(a.page, 'register');
  await register(a.page, hero, { strength: 9, agility: 2, intelligence: 2 });
  step('class reveal');
  await check(a.page, 'class reveal');
  if (!/brawler/i.test(await a.page.getByTestId('class-reveal').innerText())) throw new Error('strength goals should reveal a Brawler');
  await a.page.getByRole('link', { name: /log your first training/i }).click();
  await waitForPath(a.page, '/log');
  await check(a.page, 'log');

  step('log a strength session');
  await pickKind(a.page, 'strength');
  await a.page.locator('input[name="sets.0.exercise"]').fill('Back squat');
  await a.page.locator('input[name="sets.0.weight_kg"]').fill('100');
  await a.page.locator('input[name="sets.0.reps"]').fill('5');
  await a.page.getByRole('button', { name: /add set/i }).click();
  await a.page.getByRole('button', { name: /add set/i }).click();
  // A bad value on row 3 is reported on row 3's reps, in words.
  await a.page.locator('input[name="sets.2.reps"]').fill('0');
  await a.page.locator('input[name="duration_min"]').fill('30');
  await a.page.getByRole('button', { name: /log it/i }).click();
  const repsErr = a.page.locator('input[name="sets.2.reps"][aria-invalid="true"]');
  await repsErr.waitFor();
  const errText = await a.page.locator(`[id="${await repsErr.getAttribute('aria-describedby')}"]`).innerText();
  if (!/^Set 3 reps/.test(errText)) throw new Error(`row 3's error should speak of "Set 3 reps", got: ${errText}`);
  await check(a.page, 'log with errors');
  await a.page.locator('input[name="sets.2.reps"]').fill('5');
  let total = await submitLog(a.page);
  await check(a.page, 'award');

  const kinds = [
    ['run', async (p) => (await p.locator('input[name="distance_km"]').fill('5'), await p.locator('input[name="duration_min"]').fill('30'))],
    ['study', async (p) => p.locator('input[name="duration_min"]').fill('45')],
    ['martial_arts', async (p) => (await p.locator('input[name="duration_min"]').fill('40'), await p.locator('input[name="style"]').fill('Karate'))],
  ];
  for (const [kind, fill] of kinds) {
    step(`log ${kind}`);
    await a.page.getByRole('button', { name: /log another/i }).click();
    await pickKind(a.page, kind);
    await fill(a.page);
    total += await submitLog(a.page);
  }
  step('a double tap on "Log it" stores one activity and shows no error');
  await a.page.getByRole('button', { name: /log another/i }).click();
  await pickKind(a.page, 'study');
  await a.page.locator('input[name="duration_min"]').fill('20');
  const twice = `double tap ${run}`;
  await a.page.locator('summary', { hasText: /when/i }).click();
  await a.page.locator('input[name="note"]').fill(twice);
  await a.page.getByRole('button', { name: /log it/i }).dblclick();
  await a.page.getByTestId('award-final').waitFor();
  if (await a.page.locator('.banner-error').count()) throw new Error(`a double tap showed an error: ${await a.page.locator('.banner-error').first().innerText()}`);
  total += Number((await a.page.getByTestId('award-final').innerText()).replace(/[^\d-]/g, ''));
  const tapped = (await api(a.page, 'GET', '/activities?limit=100')).body.items.filter((x) => x.note === twice);
  if (tapped.length !== 1) throw new Error(`a double tap should store one activity, found ${tapped.length}`);

  step('log a wake-up (early or not, it is stored)');
  await a.page.getByRole('button', { name: /log another/i }).click();
  await pickKind(a.page, 'wake_up');
  await a.page.locator('input[name="woke_at"]').fill('00:00'); // never later than the local time now (game rules §2)
  await a.page.getByRole('button', { name: /log it/i }).click();
  await a.page.locator('[data-testid="award"], .banner-error').first().waitFor();
  if (await a.page.getByTestId('award').count()) {
    const title = await a.page.locator('#main h1').first().innerText();
    if (!/wake-up logged/i.test(title)) throw new Error(`a wake-up's award page should say so, not "${title}"`);
  }

  step('exercise picker remembers the last time');
  await a.page.getByRole('button', { name: /log another/i }).click();
  await pickKind(a.page, 'strength');
  await a.page.locator('input[name="sets.0.exercise"]').fill('back squat');
  await a.page.getByText('Last time: 100 kg × 5').waitFor();

  step('dashboard');
  await tab(a.page, 'Home', '/');
  await a.page.waitForFunction((min) => Number(document.querySelector('[data-testid="total-xp"]')?.textContent?.replace(/[^\d]/g, '') ?? 0) >= min, total);
  await check(a.page, 'dashboard');
  await a.page.screenshot({ path: SHOT, fullPage: true });

  for (const [name, to] of [
    ['Progress', '/progress'],
    ['Ranks', '/leaderboard'],
    ['More', '/more'],
  ]) {
    await tab(a.page, name, to);
    await check(a.page, name);
  }
  for (const [name, to] of [
    [/weekly boss/i, '/boss'],
    [/history/i, '/activities'],
    [/xp ledger/i, '/ledger'],
    [/settings/i, '/settings'],
    [/my profile/i, `/players/${hero.username}`],
  ]) {
    await a.page.goto(`${BASE}/more`);
    await a.page.getByRole('link', { name }).first().click();
    await waitForPath(a.page, to);
    await check(a.page, to.startsWith('/players') ? 'profile' : to);
  }
  step('unknown player, activity and duel: a titled not-found page, no Retry');
  for (const [p, title] of [
    [`/players/nobody_${run}`, /hero not found/i],
    ['/activities/999999999', /activity not found/i],
    ['/duels/999999999', /duel not found/i],
  ]) {
    await a.page.goto(`${BASE}${p}`);
    await a.page.getByRole('heading', { level: 1, name: title }).waitFor();
    if (await a.page.getByRole('button', { name: /retry/i }).count()) throw new Error(`${p} offers Retry for a 404`);
    await check(a.page, `not found ${p.split('/')[1]}`);
  }

  step(`every page fits ${WIDTH}px and passes axe (${audited.size} pages)`);

  // A player's text at the longest the API takes, without a space to wrap at: the
  // pages that show it still fit the phone.
  step('long notes, styles and exercise names fit');
  const long = [
    { kind: 'run', distance_km: 1, duration_min: 6, note: 'N'.repeat(2000) },
    { kind: 'martial_arts', duration_min: 30, style: 'M'.repeat(100) },
    { kind: 'strength', duration_min: 45, sets: [{ exercise: 'W'.repeat(100), weight_kg: 100, reps: 5 }] },
  ];
  for (const body of long) {
    const r = await api(a.page, 'POST', '/activities', body);
    if (r.status !== 201) throw new Error(`logging ${body.kind} with long text: ${r.status} ${JSON.stringify(r.body)}`);
    await a.page.goto(`${BASE}/activities/${r.body.activity.id}`);
    await check(a.page, `long ${body.kind} detail`);
  }
  await tab(a.page, 'Home', '/');
  await a.page.getByText('M'.repeat(20), { exact: false }).first().waitFor();
  await check(a.page, 'dashboard with long text');
  await a.page.goto(`${BASE}/activities`);
  await a.page.getByText('M'.repeat(20), { exact: false }).first().waitFor();
  await check(a.page, 'history with long text');

  // Focus moves to the new page's heading.
  await tab(a.page, 'Ranks', '/leaderboard');
  await a.page.waitForFunction(() => document.activeElement?.tagName === 'H1');

  // ------------------------------------------------- 2. live leaderboard (two contexts)
  step('live leaderboard: another player earns XP');
  await a.page.getByRole('button', { name: 'All time' }).click();
  const b = await phone();
  const rival = newUser('rival');
  await register(b.page, rival, { strength: 2, agility: 9, intelligence: 2 });
  await a.page.locator('.leaderboard').getByText(rival.username).waitFor();
  const rowXp = async () => Number((await a.page.locator('tr', { hasText: rival.username }).locator('td').last().innerText()).replace(/[^\d]/g, ''));
  const before = await rowXp();
  await b.page.goto(`${BASE}/log`);
  await pickKind(b.page, 'run');
  await b.page.locator('input[name="distance_km"]').fill('8');
  await b.page.locator('input[name="duration_min"]').fill('48');
  const rivalXp = await submitLog(b.page);
  // A's page was not reloaded: the `leaderboard` event made it refetch.
  await a.page.waitForFunction(
    ([name, want]) => [...document.querySelectorAll('tr')].some((tr) => tr.textContent.includes(name) && Number(tr.lastElementChild?.textContent?.replace(/[^\d]/g, '')) >= want),
    [rival.username, before + rivalXp],
    { timeout: 8000 },
  );

  // ---------------------------------------------------------- 3. a duel, end to end
  step('duel: challenge, accept, replay');
  await a.page.goto(`${BASE}/duels`);
  await check(a.page, 'duels');
  await a.page.locator('input[name="opponent"]').fill(rival.username);
  await a.page.getByRole('button', { name: /challenge/i }).click();
  await a.page.getByText(`Challenge sent to ${rival.username}`).waitFor();
  await b.page.goto(`${BASE}/duels`);
  await b.page.getByRole('button', { name: /accept/i }).click();
  // The battle runs as a job; both players' lists refresh on `duel_resolved`.
  const replayLink = a.page.getByRole('link', { name: /replay/i }).first();
  await replayLink.waitFor({ timeout: 20000 });
  await replayLink.click();
  await a.page.locator('.fighters').waitFor();
  await check(a.page, 'duel replay');
  await b.page.getByRole('link', { name: /replay/i }).first().waitFor({ timeout: 20000 });

  // ------------------------------------------------------------------- 4. offline
  step('offline: log, queue, reconnect, stored once');
  await a.page.goto(`${BASE}/log`);
  await a.page.getByRole('heading', { name: /log training/i }).waitFor();
  const note = `offline ${run}`;
  offline.now = true;
  await a.context.setOffline(true);
  // The header says so at once (a socket that went dead can look open for minutes).
  await a.page.locator('.topbar .live-offline').waitFor({ timeout: 2000 });
  await pickKind(a.page, 'study');
  await a.page.locator('input[name="duration_min"]').fill('30');
  await a.page.locator('summary', { hasText: /when/i }).click();
  await a.page.locator('input[name="note"]').fill(note);
  await a.page.getByRole('button', { name: /log it/i }).click();
  await a.page.getByRole('heading', { name: /saved on this phone/i }).waitFor();
  await a.page.getByTestId('offline-queue').getByText(/queued/).waitFor();
  await check(a.page, 'offline queue');
  // Still offline after a reload: the shell comes from the service worker's cache.
  await a.page.reload().catch(() => {});
  await a.page.locator('#main h1').first().waitFor({ timeout: 10000 }).catch(() => {
    throw new Error('the app did not open offline (service worker shell)');
  });
  await a.context.setOffline(false);
  // Back online: the page sends the queue by itself.
  await a.page.waitForFunction(() => !document.querySelector('[data-testid="offline-queue"]'), null, { timeout: 20000 });
  offline.now = false;

  step('offline: the page that queued an activity shows its award once it is sent');
  offline.now = true;
  await a.context.setOffline(true);
  await a.page.goto(`${BASE}/log`).catch(() => {});
  await a.page.getByRole('heading', { name: /log training/i }).waitFor();
  await pickKind(a.page, 'study');
  await a.page.locator('input[name="duration_min"]').fill('25');
  await a.page.getByRole('button', { name: /log it/i }).click();
  await a.page.getByRole('heading', { name: /saved on this phone/i }).waitFor();
  await a.context.setOffline(false);
  await a.page.getByTestId('award-final').waitFor({ timeout: 20000 });
  offline.now = false;

  step('offline: a challenge fails at once and is not sent when the connection returns');
  await a.page.goto(`${BASE}/duels`);
  await a.page.locator('input[name="opponent"]').waitFor();
  let challenges = 0;
  const countChallenges = (r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/duels' && (challenges += 1);
  a.page.on('request', countChallenges);
  offline.now = true;
  await a.context.setOffline(true);
  await a.page.locator('input[name="opponent"]').fill(rival.username);
  await a.page.getByRole('button', { name: /challenge/i }).click();
  await a.page.getByText('Cannot reach the server. Check your connection.').waitFor({ timeout: 3000 });
  await a.context.setOffline(false);
  offline.now = false;
  await a.page.waitForTimeout(3000);
  a.page.off('request', countChallenges);
  if (challenges !== 0) throw new Error(`a challenge made offline was sent ${challenges} time(s) after the connection returned`);
  const mine = await api(a.page, 'GET', '/activities?limit=100');
  const stored = mine.body.items.filter((x) => x.note === note);
  if (stored.length !== 1) throw new Error(`the offline activity should be stored exactly once, found ${stored.length}`);

  step('settings: a change waiting for midnight survives saving another');
  const waiting = await api(a.page, 'PATCH', '/me', { wake_target: '05:30' });
  if (waiting.body?.pending?.wake_target !== '05:30') throw new Error(`PATCH /me did not leave wake_target pending: ${JSON.stringify(waiting.body)}`);
  await a.page.goto(`${BASE}/settings`);
  const wakeInput = a.page.locator('input[name="wake_target"]');
  await wakeInput.waitFor();
  if ((await wakeInput.inputValue()) !== '05:30') throw new Error(`the settings form shows ${await wakeInput.inputValue()}, not the waiting 05:30`);
  await a.page.locator('input[name="timezone"]').fill('Asia/Tokyo');
  const saved = a.page.waitForResponse((r) => r.url().endsWith('/api/v1/me') && r.request().method() === 'PATCH');
  await a.page.getByRole('button', { name: /save/i }).first().click();
  await saved;
  const settled = (await api(a.page, 'GET', '/me')).body;
  if (settled.pending?.wake_target !== '05:30' || settled.pending?.timezone !== 'Asia/Tokyo') {
    throw new Error(`saving the timezone changed what was waiting: ${JSON.stringify(settled.pending)}`);
  }

  step('log out (revokes the token on the server)');
  const t = await token(a.page);
  await a.page.goto(`${BASE}/more`);
  await a.page.getByRole('button', { name: /log out/i }).click();
  await waitForPath(a.page, '/login');
  await check(a.page, 'login');
  const after = await a.context.request.get(`${BASE}/api/v1/me`, { headers: { Authorization: `Bearer ${t}` } });
  if (after.status() !== 401) throw new Error(`the token should be revoked after logout, /me answered ${after.status()}`);

  if (problems.length) throw new Error(`browser reported:\n  ${problems.join('\n  ')}`);
  step(`screenshot saved to ${SHOT}`);
  console.log(`E2E PASSED in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (err) {
  code = 1;
  console.error(`E2E FAILED: ${err instanceof Error ? err.message : err}`);
  if (shotPage) {
    const failShot = SHOT.replace(/(\.png)?$/, '-failure.png');
    await shotPage.screenshot({ path: failShot, fullPage: true }).catch(() => {});
    console.error(`failure screenshot: ${failShot} (url: ${shotPage.url()})`);
  }
  if (problems.length) console.error(`browser reported:\n  ${problems.join('\n  ')}`);
} finally {
  await browser.close();
}
process.exit(code);
