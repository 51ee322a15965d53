/**
 * `npm run build -w desktop`: the Electron main process, the preload and the
 * renderer into out/. Needs no Electron binary (electron-vite reads only
 * Electron's version, to pick the Node and Chrome targets).
 */
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      // Workspace TypeScript and zod are bundled; native and Electron-specific packages stay in node_modules.
      externalizeDeps: { exclude: ['@ngn/shared', 'zod'] },
      rolldownOptions: { input: { index: resolve(__dirname, 'src/main/index.ts') } },
    },
  },
  preload: {
    build: {
      // A sandboxed preload can require only 'electron': everything else is bundled, as CommonJS.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  // The same renderer build as vite.renderer.config.ts (used by the browser bridge and its tests).
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      sourcemap: true,
      chunkSizeWarningLimit: 1000,
      rolldownOptions: { input: resolve(__dirname, 'src/renderer/index.html') },
    },
  },
});
