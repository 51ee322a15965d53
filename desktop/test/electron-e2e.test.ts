/**
 * The packaged main process under Playwright's Electron driver: the window
 * opens with the sandboxed preload, and IPC from any page but the app's own
 * renderer is refused. Runs only where an Electron binary is installed (the
 * GitHub workflow .github/workflows/electron-e2e.yml on Windows, macOS and
 * Linux under xvfb); elsewhere it is skipped and says why.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';

const DESKTOP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function electronBinary(): string | undefined {
  try {
    const binary = createRequire(path.join(DESKTOP, 'package.json'))('electron') as unknown;
    return typeof binary === 'string' && existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

const binary = electronBinary();
const skip = binary
  ? false
  : 'no Electron binary is installed here (its download is disabled at npm install); the workflow electron-e2e.yml runs this on GitHub-hosted Windows, macOS and Linux';

describe('Electron main process (Playwright _electron)', { skip }, () => {
  let app: ElectronApplication;
  let window: Page;
  let dataDir: string;

  before(async () => {
    if (!existsSync(path.join(DESKTOP, 'out/main/index.js'))) {
      const built = spawnSync('npm', ['run', 'build', '-w', 'desktop'], { cwd: path.join(DESKTOP, '..'), stdio: 'inherit', shell: process.platform === 'win32' });
      assert.equal(built.status, 0, 'npm run build -w desktop');
    }
    dataDir = await mkdtemp(path.join(tmpdir(), 'ngn-electron-'));
    app = await _electron.launch({
      executablePath: binary!,
      args: [DESKTOP],
      // An API nobody answers: the window must still open, offline.
      env: { ...process.env, NGN_API_URL: 'http://127.0.0.1:9', NGN_COMPANION_DATA: dataDir, ELECTRON_ENABLE_LOGGING: '1' },
    });
    window = await app.firstWindow();
  });
  after(async () => {
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('opens the window with the sandboxed, context-isolated preload', async () => {
    // The page sees no Node (sandbox, context isolation): only what the preload exposes.
    const sandboxed = await app.evaluate(({ BrowserWindow }) => {
      const [win] = BrowserWindow.getAllWindows();
      return win!.webContents.executeJavaScript('typeof process === "undefined" && typeof require === "undefined"');
    });
    assert.equal(sandboxed, true);
    assert.equal(await window.evaluate(() => typeof (window as unknown as { companion?: unknown }).companion), 'object');
    assert.equal(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require), 'undefined');
    assert.equal(await window.evaluate(() => (window as unknown as { companion: { transport: string } }).companion.transport), 'electron');
  });

  it('refuses IPC from a page that is not the app (a checkout or any other window with the preload)', async () => {
    const preload = path.join(DESKTOP, 'out/preload/index.cjs');
    const refused = await app.evaluate(async ({ BrowserWindow }, preload) => {
      const other = new BrowserWindow({ show: false, webPreferences: { preload, sandbox: true, contextIsolation: true } });
      await other.loadURL('data:text/html,<title>not the app</title>');
      try {
        return await other.webContents.executeJavaScript(
          "window.companion.invoke('app:info').then(() => 'answered', (e) => 'refused: ' + (e && e.code))",
        );
      } finally {
        other.destroy();
      }
    }, preload);
    assert.match(String(refused), /^refused/);
  });
});
