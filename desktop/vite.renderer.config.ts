/**
 * Builds the companion's React UI. The same bundle runs in Electron's window
 * (loaded from disk, hence the relative base) and in a browser served by the
 * local bridge.
 */
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('./src/renderer'),
  base: './',
  plugins: [react()],
  build: {
    outDir: here('./out/renderer'),
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
    chunkSizeWarningLimit: 1000,
  },
  server: { port: 5173, strictPort: false },
});
