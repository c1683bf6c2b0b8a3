import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { aliases } from '../../aliases.config.ts';

/**
 * The renderer alone, built the same way electron-vite builds it (root renderer/, relative base),
 * so e2e tests and the UI bench don't need the main and preload bundles.
 */
const root = resolve(import.meta.dirname, '../..');
export default defineConfig({
  root: resolve(root, 'renderer'),
  base: './',
  resolve: { alias: aliases },
  logLevel: 'warn',
  plugins: [react()],
  build: { outDir: resolve(root, 'out/renderer'), emptyOutDir: true, chunkSizeWarningLimit: 4096 },
});
