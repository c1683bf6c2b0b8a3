import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { aliases } from './aliases.config.ts';
import { buildCommitDefine } from './build-commit.config.ts';

// The `vigil` command: the same backend as the desktop app, bundled for plain Node.
export default defineConfig({
  resolve: { alias: aliases },
  define: buildCommitDefine(),
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
