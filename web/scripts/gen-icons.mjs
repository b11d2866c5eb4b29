// Renders public/icons/icon.svg into the PWA's PNG icons (192 and 512 px) with the
// system's Chromium (playwright-core, no download). Run after changing the SVG:
//   node scripts/gen-icons.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const here = new URL('../public/icons/', import.meta.url);
const svg = readFileSync(new URL('icon.svg', here), 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  for (const size of [192, 512]) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    await page.setContent(`<html><body style="margin:0">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`);
    writeFileSync(new URL(`icon-${size}.png`, here), await page.screenshot({ type: 'png', omitBackground: false }));
    await page.close();
  }
} finally {
  await browser.close();
}
console.log('wrote icon-192.png and icon-512.png');
