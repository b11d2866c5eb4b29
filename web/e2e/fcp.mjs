#!/usr/bin/env node
// Measures the login page as a phone on a slow CPU sees it: first contentful paint
// with 4× CPU throttling (Chromium DevTools protocol, Emulation.setCPUThrottlingRate),
// cold cache each run, and the JavaScript the first route downloads (gzip size, and
// the encoding the server actually used).
//
//   SHONEN_E2E_URL=http://127.0.0.1:8080 npm run bench:fcp   [RUNS=7]
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { warmStaticFiles } from './warm.mjs';

const BASE = (process.env.SHONEN_E2E_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const RUNS = Number(process.env.RUNS ?? 7);
const RATE = Number(process.env.CPU_THROTTLE ?? 4);

await warmStaticFiles(BASE);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const fcps = [];
let js = null;
try {
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, serviceWorkers: 'block' });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: RATE });
    const scripts = [];
    page.on('response', async (r) => {
      if (r.request().resourceType() === 'script') scripts.push(r);
    });
    await page.goto(`${BASE}/login`, { waitUntil: 'load' });
    await page.locator('#main h1').waitFor();
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null);
    fcps.push(fcp);
    if (!js) {
      let raw = 0;
      let gz = 0;
      const encodings = new Set();
      for (const r of scripts) {
        const body = await r.body();
        raw += body.length;
        gz += gzipSync(body, { level: 9 }).length;
        encodings.add(r.headers()['content-encoding'] ?? 'identity');
      }
      js = { files: scripts.length, raw, gz, encodings: [...encodings] };
    }
    await context.close();
  }
} finally {
  await browser.close();
}
const sorted = fcps.filter((x) => x !== null).sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)];
console.log(`login page FCP with ${RATE}x CPU throttling, cold cache, ${RUNS} runs: median ${median?.toFixed(0)} ms (min ${sorted[0]?.toFixed(0)}, max ${sorted[sorted.length - 1]?.toFixed(0)})`);
console.log(`first route JS: ${js.files} files, ${(js.raw / 1024).toFixed(1)} KB raw, ${(js.gz / 1024).toFixed(1)} KB gzip; served with content-encoding: ${js.encodings.join(', ')}`);
