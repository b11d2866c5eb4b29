#!/usr/bin/env node
// Whole-flow smoke test through the real UI against a running server:
// register a fresh player, log a strength session (4 × 10 kg × 15, 25 min), check the
// award's final XP, check the dashboard shows XP, and save a screenshot.
//
//   SHONEN_E2E_URL=http://127.0.0.1:8080 SHONEN_E2E_SHOT=/tmp/shonen-e2e.png npm run e2e
//
// Needs Chromium at /usr/bin/chromium (Debian: apt-get install -y chromium).
/* global document -- used inside page.waitForFunction, which runs in the browser */
import { chromium } from 'playwright-core';

const BASE = (process.env.SHONEN_E2E_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const SHOT = process.env.SHONEN_E2E_SHOT ?? '/tmp/shonen-e2e.png';
const TIMEOUT = Number(process.env.SHONEN_E2E_TIMEOUT_MS ?? 15000);

const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const user = { username: `e2e_${suffix}`, email: `e2e_${suffix}@example.test`, password: `Kamehameha-${suffix}!` };

function step(msg) {
  console.log(`• ${msg}`);
}

function xpNumber(text) {
  const n = Number(String(text).replace(/[^\d-]/g, ''));
  if (!Number.isFinite(n)) throw new Error(`not a number: ${JSON.stringify(text)}`);
  return n;
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
page.setDefaultTimeout(TIMEOUT);
const problems = [];
page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
page.on('requestfailed', (r) => problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`));
page.on('response', (r) => r.status() >= 500 && problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`));

let code = 0;
try {
  step(`open ${BASE}/register`);
  await page.goto(`${BASE}/register`, { waitUntil: 'domcontentloaded' });

  step(`register ${user.username}`);
  await page.locator('input[name="username"]').fill(user.username);
  await page.locator('input[name="email"]').fill(user.email);
  await page.locator('input[name="password"]').fill(user.password);
  const tz = await page.locator('input[name="timezone"]').inputValue();
  if (!tz) throw new Error('timezone was not prefilled from the browser');
  const cls = await page.getByTestId('class-preview').innerText();
  if (!/balanced/i.test(cls)) throw new Error(`default goals should preview Balanced, got: ${cls}`);
  await page.getByRole('button', { name: /create my hero/i }).click();
  await page.waitForURL((u) => new URL(u).pathname === '/');
  await page.getByTestId('total-xp').waitFor();

  step('log a strength session: 4 × 10 kg × 15, 25 min');
  await page.getByRole('link', { name: 'Log', exact: true }).click();
  await page.waitForURL((u) => new URL(u).pathname === '/log');
  await page.locator('[data-kind="strength"]').click();
  await page.locator('input[name="sets.0.exercise"]').fill('Squat');
  await page.locator('input[name="sets.0.weight_kg"]').fill('10');
  await page.locator('input[name="sets.0.reps"]').fill('15');
  for (let i = 1; i < 4; i++) await page.getByRole('button', { name: /add set/i }).click();
  for (let i = 0; i < 4; i++) {
    const w = await page.locator(`input[name="sets.${i}.weight_kg"]`).inputValue();
    const r = await page.locator(`input[name="sets.${i}.reps"]`).inputValue();
    if (w !== '10' || r !== '15') throw new Error(`set ${i + 1} is ${w} kg × ${r}, expected 10 × 15`);
  }
  await page.locator('input[name="duration_min"]').fill('25');
  await page.getByRole('button', { name: /log it/i }).click();

  const finalText = await page.getByTestId('award-final').innerText();
  const finalXp = xpNumber(finalText);
  if (!(finalXp > 0)) throw new Error(`award final XP should be positive, got ${finalText}`);
  const factors = await page.locator('.award-table tr').allInnerTexts();
  step(`award: final ${finalXp} XP  [${factors.map((f) => f.replace(/\s+/g, ' ')).join(' | ')}]`);

  step('open the dashboard');
  await page.getByRole('link', { name: /back to dashboard/i }).click();
  await page.waitForURL((u) => new URL(u).pathname === '/');
  const total = page.getByTestId('total-xp');
  await total.waitFor();
  // The dashboard refetches after the award; wait until it reflects the new XP.
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="total-xp"]')?.textContent?.replace(/[^\d]/g, '') ?? 0) > 0);
  const totalXp = xpNumber(await total.innerText());
  if (totalXp < finalXp) throw new Error(`dashboard shows ${totalXp} XP, less than the ${finalXp} just awarded`);
  await page.getByText(/4 sets/).first().waitFor();
  step(`dashboard shows ${totalXp} XP and the session in recent training`);

  await page.screenshot({ path: SHOT, fullPage: true });
  step(`screenshot saved to ${SHOT}`);
  console.log('E2E SMOKE PASSED');
} catch (err) {
  code = 1;
  console.error(`E2E SMOKE FAILED: ${err instanceof Error ? err.message : err}`);
  const failShot = SHOT.replace(/(\.png)?$/, '-failure.png');
  await page.screenshot({ path: failShot, fullPage: true }).catch(() => {});
  console.error(`failure screenshot: ${failShot} (url: ${page.url()})`);
} finally {
  if (problems.length) console.error(`browser reported:\n  ${problems.join('\n  ')}`);
  await browser.close();
}
process.exit(code);
