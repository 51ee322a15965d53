/**
 * The Electron shell cannot run here (no Electron binary), so CI holds it to
 * static checks: electronegativity over main/preload/renderer and a validation
 * of electron-builder.yml. These tests show both checks fail on what they
 * exist to catch, and pass on the project as it is.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const DESKTOP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = path.resolve(DESKTOP, '..');

function runScript(script: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(DESKTOP, 'scripts', script), ...args],
      { cwd: DESKTOP, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: stdout + stderr }),
    );
  });
}

describe('electronegativity check', () => {
  it('fails on a window without context isolation and without navigation limits', async () => {
    const { code, output } = await runScript('lint-electron.ts', [path.join(DESKTOP, 'test/fixtures/unsafe-shell')]);
    assert.equal(code, 1, output);
    assert.match(output, /HIGH\s+\w+\s+CONTEXT_ISOLATION_JS_CHECK\s+main\.js:6/);
    assert.match(output, /HIGH\s+\w+\s+LIMIT_NAVIGATION_GLOBAL_CHECK/);
  });

  it('passes on the companion’s main, preload and renderer', async () => {
    const { code, output } = await runScript('lint-electron.ts', [path.join(DESKTOP, 'src')]);
    assert.equal(code, 0, output);
    assert.match(output, /no HIGH findings/);
  });
});

describe('electron-builder.yml check', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ngn-builder-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function variant(name: string, edit: (yml: string) => string): Promise<string> {
    const original = await readFile(path.join(ROOT, 'electron-builder.yml'), 'utf8');
    const changed = edit(original);
    assert.notEqual(changed, original, `${name}: the edit changed nothing`);
    const file = path.join(dir, `${name}.yml`);
    await writeFile(file, changed);
    return file;
  }

  it('passes on the project’s config', async () => {
    const { code, output } = await runScript('check-builder-config.ts', []);
    assert.equal(code, 0, output);
    assert.doesNotMatch(output, /FAIL/);
  });

  it('fails when a fuse is weakened', async () => {
    const file = await variant('run-as-node', (y) => y.replace(/runAsNode: false/, 'runAsNode: true'));
    const { code, output } = await runScript('check-builder-config.ts', ['--config', file]);
    assert.equal(code, 1, output);
    assert.match(output, /FAIL fuse RunAsNode is off/);
  });

  it('fails when electron-builder’s own schema refuses a key', async () => {
    const file = await variant('unknown-key', (y) => `${y}\nnotAnOption: true\n`);
    const { code, output } = await runScript('check-builder-config.ts', ['--config', file]);
    assert.equal(code, 1, output);
    assert.match(output, /electron-builder refuses it/);
  });
});

describe('electron-log in the main process', () => {
  it('is initialised without its preload, which it would otherwise add to every session (the checkout window’s too)', async () => {
    const source = await readFile(path.join(DESKTOP, 'src', 'main', 'log.ts'), 'utf8');
    const calls = [...source.matchAll(/log\.initialize\(([^)]*)\)/g)].map((m) => m[1]!.replace(/\s+/g, ' ').trim());
    assert.deepEqual(calls, ['{ preload: false }']);
  });
});
