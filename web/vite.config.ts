/// <reference types="vitest/config" />
// Vite builds the SPA into web/dist, which the Rust server embeds and serves at `/`.
// In development, API and WebSocket calls are proxied to a locally running server.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * Emits dist/sw.js from sw/sw.js with the list of every built file to keep on the
 * device and a version derived from it (a new build is a new service worker).
 */
function serviceWorker(): Plugin {
  return {
    name: 'shonen-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const built = Object.keys(bundle)
        .filter((f) => !f.endsWith('.map') && f !== 'index.html')
        .sort();
      const shell = ['/', ...built.map((f) => `/${f}`), '/manifest.webmanifest', '/favicon.svg', '/icons/icon-192.png', '/icons/icon-512.png'];
      const version = createHash('sha256').update(built.join('\n')).digest('hex').slice(0, 12);
      const source = readFileSync(new URL('./sw/sw.js', import.meta.url), 'utf8')
        .replace("'__VERSION__'", JSON.stringify(version))
        .replace('__SHELL__', JSON.stringify(shell));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

const apiTarget = process.env.SHONEN_API_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react(), serviceWorker()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: {
      '/api': { target: apiTarget, ws: true, changeOrigin: true },
    },
  },
  test: {
    environment: 'jsdom',
    // Lets Testing Library register its automatic cleanup after each test.
    globals: true,
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    // Lazily loaded screens take a moment to import on a busy machine.
    testTimeout: 20_000,
  },
});
