import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The `vigil` command: the same backend as the desktop app, bundled for plain Node.
export default defineConfig({
  build: {
    ssr: resolve(import.meta.dirname, 'electron/core/cli/bin.ts'),
    outDir: 'out/cli',
    target: 'node20',
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: { output: { entryFileNames: 'vigil.js', format: 'es' } },
  },
  ssr: { noExternal: [] },
});
