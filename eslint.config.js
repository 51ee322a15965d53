import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The rooms of ARCHITECTURE.md and the arrows allowed between them, as import
 * rules. ESLint replaces (does not merge) a rule's options when two blocks
 * match one file, so each room lists every restriction that applies to it.
 */
const electronOnlyInMain = { name: 'electron', message: 'Only desktop/src/main (and preload) may import electron.' };
const room = (files, patterns, paths = []) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { paths: [electronOnlyInMain, ...paths], patterns }] },
});

/** An import that climbs `ups` folders out of a module into another module, anywhere but its service.ts. */
const anotherModuleButItsService = (ups) => ({
  regex: `^${'\\.\\./'.repeat(ups)}(?!\\.\\.)[^/]+/(?!service$)`,
  message: 'Reach another module through its service.ts (export what it needs there).',
});

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
  // The renderer is a web page: it reaches the system only through window.companion.
  room(
    ['desktop/src/renderer/**/*.{ts,tsx}'],
    [
      { regex: '^node:', message: 'The renderer is a web page: no Node modules. Ask the core through window.companion.' },
      { regex: '(^|/)(core|main|preload)/', message: 'The renderer reaches core and main only through window.companion (desktop/src/contract).' },
      { regex: '(^|/)bridge/(?!protocol$)', message: 'The renderer may share the bridge protocol, not its server.' },
    ],
    builtinModules.map((name) => ({ name, message: 'The renderer is a web page: no Node modules.' })),
  ),
  // The core is the Companion's logic, shared by the Electron main process and the bridge: it knows neither.
  room(
    ['desktop/src/core/**/*.ts'],
    [{ regex: '(^|/)(main|bridge|preload|renderer)/', message: 'desktop/src/core imports no main, bridge, preload or renderer: they import it.' }],
  ),
  // api/src/lib is the toolbox every module uses: it knows no module and no table model.
  room(
    ['api/src/lib/**/*.ts'],
    [{ regex: '^(\\.\\./)+(modules|db/models)(/|$)', message: 'api/src/lib imports no module and no db model: pass what it needs in, or move the code to the module.' }],
  ),
  // A module reaches another only through that module's service.ts, from its own files and from nested ones.
  room(['api/src/modules/*/*.ts'], [anotherModuleButItsService(1)]),
  room(['api/src/modules/*/*/**/*.ts'], [anotherModuleButItsService(2)]),
  room(['api/src/*.ts', 'api/src/modules/*.ts', 'api/src/db/**/*.ts'], []),
  // shared/ is the contract both sides compile against: it depends on neither.
  room(
    ['shared/src/**/*.ts'],
    [{ regex: '(^|/)(api|desktop)/', message: 'shared/ imports nothing of api or desktop: they import it.' }],
  ),
);
