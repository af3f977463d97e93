/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The console is served by the AutonomOS server at `/`; the build lands in the package's static dir.
// CONSOLE_OUT_DIR overrides it (e.g. a scratch build that leaves the package untouched).
const outDir = process.env.CONSOLE_OUT_DIR ?? fileURLToPath(new URL('../autonomos/server/static', import.meta.url));
const api = process.env.AUTONOMOS_API ?? 'http://localhost:8000';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  worker: { format: 'es' },
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/dcl': { target: api, changeOrigin: false },
      '/aoa': { target: api, changeOrigin: false },
      '/schema': { target: api, changeOrigin: false },
      '/health': { target: api },
      '/ws': { target: api.replace(/^http/, 'ws'), ws: true },
    },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    css: false,
    testTimeout: 20000,
  },
});
