// The server compresses each static file on its first request (once per process, at
// the best ratio), which takes seconds per file in a debug build on a busy machine.
// Asking for every built file once, in both encodings, before measuring or clicking
// keeps that one-time cost out of the browser's timeouts and figures.
import { readdirSync } from 'node:fs';

export async function warmStaticFiles(base) {
  const dist = new URL('../dist/', import.meta.url);
  const files = ['', 'sw.js', 'manifest.webmanifest', ...readdirSync(new URL('assets/', dist)).map((f) => `assets/${f}`)];
  const started = Date.now();
  await Promise.all(
    files.flatMap((f) =>
      ['br', 'gzip'].map((enc) =>
        fetch(`${base}/${f}`, { headers: { 'Accept-Encoding': enc }, signal: AbortSignal.timeout(180_000) })
          .then((r) => r.arrayBuffer())
          .catch(() => undefined),
      ),
    ),
  );
  return Date.now() - started;
}
