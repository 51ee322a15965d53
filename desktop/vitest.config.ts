/** Component tests of the renderer's widgets (jsdom); the node:test suite ignores these files. */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [react()],
  test: {
    environment: 'jsdom',
    include: ['test/renderer/**/*.spec.{ts,tsx}'],
    restoreMocks: true,
  },
});
