/**
 * The packaged main process under Playwright's Electron driver: the window
 * opens with the sandboxed preload, IPC from any page but the app's own
 * renderer is refused, and the updater keeps only an update signed by a key
 * the pinned root delegated. Runs only where an Electron binary is installed (the
 * GitHub workflow .github/workflows/electron-e2e.yml on Windows, macOS and
 * Linux under xvfb); elsewhere it is skipped and says why.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { startTestApi, type TestApi } from '../../api/test/helpers/api';
import { artifact, sha256 } from '../../api/test/helpers/releases';
import { delegate, initRoot, signRelease } from '../../scripts/lib/release-keys';
import type { UpdateStatus } from '../src/contract/models';
import { releasePlatform } from '../src/core/fingerprint';

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
  let api: TestApi;

  before(async () => {
    if (!existsSync(path.join(DESKTOP, 'out/main/index.js'))) {
      const built = spawnSync('npm', ['run', 'build', '-w', 'desktop'], { cwd: path.join(DESKTOP, '..'), stdio: 'inherit', shell: process.platform === 'win32' });
      assert.equal(built.status, 0, 'npm run build -w desktop');
    }
    dataDir = await mkdtemp(path.join(tmpdir(), 'ngn-electron-'));
    // A real API publishing the keyset of a test root, which this unpackaged app trusts as the demo's development root.
    api = await startTestApi();
    const rootFile = path.join(dataDir, 'root.pub.json');
    await writeFile(rootFile, JSON.stringify(api.releaseRoot));
    app = await _electron.launch({
      executablePath: binary!,
      args: [DESKTOP],
      env: { ...process.env, NGN_API_URL: api.url, NGN_DEV_RELEASE_ROOT: rootFile, NGN_COMPANION_DATA: dataDir, ELECTRON_ENABLE_LOGGING: '1' },
    });
    window = await app.firstWindow();
  });
  after(async () => {
    await app?.close();
    await api?.close();
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

  describe('the updater, on a downloaded Companion update', () => {
    const platform = releasePlatform()!;
    const bytes = artifact(100_000);

    /**
     * Acts on the main process's own autoUpdater singleton (electron-updater,
     * as the app's main bundle loaded it): emits what electron-updater emits
     * once a download finished, or reads or sets its install-on-quit flag.
     * The function runs inside Electron, so it names nothing of this file.
     */
    function onAutoUpdater(action: { emit: Record<string, string> } | { installOnQuit: boolean | null }) {
      return app.evaluate(({ app: electronApp }, action) => {
        const { createRequire } = process.getBuiltinModule('node:module') as typeof import('node:module');
        const { autoUpdater } = createRequire(`${electronApp.getAppPath()}/`)('electron-updater') as typeof import('electron-updater');
        // Only the fields the Companion reads of the event: the file and the feed's version and signature.
        if ('emit' in action) autoUpdater.emit('update-downloaded', action.emit as unknown as import('electron-updater').UpdateDownloadedEvent);
        else if (action.installOnQuit !== null) autoUpdater.autoInstallOnAppQuit = action.installOnQuit;
        return autoUpdater.autoInstallOnAppQuit;
      }, action);
    }

    /** The updater's verdict on a downloaded file, as the window reads it over IPC once it settles. */
    async function downloaded(file: string, info: Record<string, string>): Promise<UpdateStatus> {
      await onAutoUpdater({ emit: { ...info, downloadedFile: file } });
      const deadline = Date.now() + 10_000;
      for (;;) {
        const status = (await window.evaluate(() => (window as unknown as { companion: { invoke(c: string): Promise<unknown> } }).companion.invoke('updates:status'))) as UpdateStatus;
        if (status.state === 'downloaded' || status.state === 'error') return status;
        assert.ok(Date.now() < deadline, `the updater settled on no verdict: ${JSON.stringify(status)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    it('keeps an update signed by a delegated release key', async () => {
      const file = path.join(dataDir, 'update-good.bin');
      await writeFile(file, bytes);
      const signed = signRelease(api.releaseKey, { sha256: sha256(bytes), product: 'companion', version: '9.0.0', platform });
      const status = await downloaded(file, { version: '9.0.0', ...signed });
      assert.equal(status.state, 'downloaded', JSON.stringify(status));
      assert.equal(existsSync(file), true);
      assert.equal(await onAutoUpdater({ installOnQuit: null }), true);
      // Nothing to install when this test quits the app.
      await onAutoUpdater({ installOnQuit: false });
    });

    it('deletes an update signed by a key the root never delegated, and will not install it', async () => {
      const foreignDir = await mkdtemp(path.join(tmpdir(), 'ngn-foreign-root-'));
      try {
        await initRoot(foreignDir, 'foreign');
        const { key: foreign } = await delegate(foreignDir);
        const file = path.join(dataDir, 'update-foreign.bin');
        await writeFile(file, bytes);
        const forged = signRelease(foreign, { sha256: sha256(bytes), product: 'companion', version: '9.0.1', platform });
        // As if a good update were waiting to install on quit: the refused one must not take its place.
        await onAutoUpdater({ installOnQuit: true });
        const status = await downloaded(file, { version: '9.0.1', ...forged });
        assert.equal(status.state, 'error');
        assert.match(String(status.error), /not signed by a NextGen Noise release key/);
        assert.equal(existsSync(file), false, 'the refused update is deleted');
        assert.equal(await onAutoUpdater({ installOnQuit: null }), false);
      } finally {
        await rm(foreignDir, { recursive: true, force: true });
      }
    });
  });
});
