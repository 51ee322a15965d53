import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // unsafe-shell is deliberately unsafe Electron code that the static check must fail on.
  { ignores: ['**/node_modules/**', '**/dist/**', '**/out/**', '.data*/**', 'artifacts/**', 'coverage/**', 'plugin-sdk/build/**', 'desktop/test/fixtures/unsafe-shell/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['desktop/src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // The rule of the rooms: only the Electron main process imports electron,
    // and the renderer reaches the system only through window.companion.
    files: ['desktop/src/core/**/*.ts', 'desktop/src/renderer/**/*.{ts,tsx}', 'shared/src/**/*.ts', 'api/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only desktop/src/main (and preload) may import electron.' }] }],
    },
  },
);
