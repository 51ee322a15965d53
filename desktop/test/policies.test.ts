/**
 * The small rules the Electron shell and the bridge both lean on: settings
 * validated with zod and kept across restarts, `nextgennoise://` links, which
 * URLs may be opened and which pages the checkout window may show.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deepLinkFromArgv, parseDeepLink } from '../src/core/deep-link';
import { rotateLogFile } from '../src/core/log-rotation';
import { SettingsStore } from '../src/core/settings';
import { isAllowedExternalUrl, isBillingPortalUrl, isCheckoutUrl, isRendererUrl, isStripeUrl } from '../src/core/url-policy';

describe('settings', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ngn-settings-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('starts from defaults (telemetry off until the user opts in) and keeps only what the user changed', async () => {
    const store = await SettingsStore.open(dir, { apiUrl: 'http://localhost:3001/', installDir: '/tmp/installers' });
    assert.deepEqual(store.get(), {
      api_url: 'http://localhost:3001',
      channel: 'stable',
      auto_update_plugins: false,
      telemetry_enabled: false,
      install_dir: '/tmp/installers',
    });
    await store.update({ channel: 'beta', telemetry_enabled: true });
    assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'settings.json'), 'utf8')), { channel: 'beta', telemetry_enabled: true });
    // A new default API URL (another environment) applies, since the user never picked one.
    const reopened = await SettingsStore.open(dir, { apiUrl: 'https://api.example.test', installDir: '/tmp/installers' });
    assert.equal(reopened.get().api_url, 'https://api.example.test');
    assert.equal(reopened.get().channel, 'beta');
  });

  it('refuses invalid values with field details and changes nothing', async () => {
    const store = await SettingsStore.open(dir, { installDir: '/tmp/i' });
    const before = store.get();
    await assert.rejects(store.update({ api_url: 'ftp://example.com', channel: 'nightly' }), (err: { code: string; details: Array<{ path: string }> }) => {
      assert.equal(err.code, 'validation_failed');
      assert.deepEqual(err.details.map((d) => d.path).sort(), ['api_url', 'channel']);
      return true;
    });
    await assert.rejects(store.update({ unknown_setting: 1 }), { code: 'validation_failed' });
    assert.deepEqual(store.get(), before);
  });

  it('survives a damaged file: bad fields fall back to defaults, good ones stay', async () => {
    await writeFile(path.join(dir, 'settings.json'), JSON.stringify({ channel: 'nightly', auto_update_plugins: true, api_url: 42 }));
    const store = await SettingsStore.open(dir, { apiUrl: 'https://api.nextgennoise.com', installDir: '/tmp/i' });
    assert.equal(store.get().channel, 'stable');
    assert.equal(store.get().auto_update_plugins, true);
    assert.equal(store.get().api_url, 'https://api.nextgennoise.com');
    await writeFile(path.join(dir, 'settings.json'), '{ not json');
    assert.equal((await SettingsStore.open(dir, { installDir: '/tmp/i' })).get().channel, 'stable');
  });
});

describe('deep links', () => {
  it('reads the routes the pages and mails link to', () => {
    assert.deepEqual(parseDeepLink('nextgennoise://checkout/success?session_id=cs_test_123'), {
      url: 'nextgennoise://checkout/success?session_id=cs_test_123',
      route: 'checkout/success',
      params: { session_id: 'cs_test_123' },
    });
    assert.equal(parseDeepLink('nextgennoise://downloads')?.route, 'downloads');
    assert.equal(parseDeepLink('nextgennoise://support/tickets/0b9c6f1e-2f7a-4c8e-9a51-2b1d3c4e5f60')?.route, 'support/tickets/0b9c6f1e-2f7a-4c8e-9a51-2b1d3c4e5f60');
    assert.deepEqual(parseDeepLink('nextgennoise://verify-email?token=ev_abc')?.params, { token: 'ev_abc' });
    assert.equal(parseDeepLink('nextgennoise://')?.route, 'open');
  });

  it('ignores other schemes, unknown routes and odd paths', () => {
    for (const url of ['https://nextgennoise.com/buy', 'nextgennoise://format-disk', 'nextgennoise://support/%2e%2e%2fx', 'javascript:alert(1)', 'not a url']) {
      assert.equal(parseDeepLink(url), null, url);
    }
  });

  it('finds the link among a second instance’s arguments', () => {
    assert.equal(deepLinkFromArgv(['/opt/app', '--flag', 'nextgennoise://buy']), 'nextgennoise://buy');
    assert.equal(deepLinkFromArgv(['/opt/app']), undefined);
  });
});

describe('URL allow-lists', () => {
  const api = 'https://api.nextgennoise.com';
  it('opens only https links on our hosts, Stripe or the API', () => {
    for (const url of ['https://nextgennoise.com/help', 'https://docs.nextgennoise.com/x', 'https://stripe.com/legal', `${api}/checkout/success`]) {
      assert.equal(isAllowedExternalUrl(url, api), true, url);
    }
    for (const url of ['http://nextgennoise.com/help', 'https://nextgennoise.com.evil.example/', 'https://evil.example/?u=nextgennoise.com', 'file:///etc/passwd', 'https://user:pw@nextgennoise.com/', 'nextgennoise://buy']) {
      assert.equal(isAllowedExternalUrl(url, api), false, url);
    }
    // http only for an API on this machine (development).
    assert.equal(isAllowedExternalUrl('http://localhost:3001/checkout', 'http://localhost:3001'), true);
    // and another local server (the Stripe emulator's receipts) only then.
    assert.equal(isAllowedExternalUrl('http://127.0.0.1:12111/receipts/ch_1', 'http://127.0.0.1:3001'), true);
    assert.equal(isAllowedExternalUrl('http://127.0.0.1:12111/receipts/ch_1', api), false);
  });

  it('opens a billing portal only on Stripe, or on this machine when the API is too', () => {
    assert.equal(isBillingPortalUrl('https://billing.stripe.com/p/session/test_1', api), true);
    assert.equal(isBillingPortalUrl('http://127.0.0.1:12111/p/session/bps_1', 'http://127.0.0.1:3001'), true);
    for (const url of ['http://127.0.0.1:12111/p/session/bps_1', 'https://billing.stripe.com.evil.example/', 'https://evil.example/p/session/1', 'http://billing.stripe.com/p/session/1']) {
      assert.equal(isBillingPortalUrl(url, api), false, url);
    }
  });

  it('lets the checkout window show the API’s checkout pages and Stripe, nothing else', () => {
    assert.equal(isCheckoutUrl(`${api}/checkout?session_id=cs_1`, api), true);
    assert.equal(isCheckoutUrl(`${api}/checkout/success?session_id=cs_1`, api), true);
    assert.equal(isCheckoutUrl(`${api}/api/v1/user/profile`, api), false);
    assert.equal(isCheckoutUrl('https://nextgennoise.com/checkout', api), false);
    assert.equal(isCheckoutUrl('http://api.nextgennoise.com/checkout', api), false);
    assert.equal(isStripeUrl('https://js.stripe.com/v3/'), true);
    assert.equal(isStripeUrl('https://stripe.com.evil.example/'), false);
  });

  it('counts only the renderer’s own page as the app (IPC senders, main-window navigation)', () => {
    const htmlFile = path.join(tmpdir(), 'Companion App', 'resources', 'app.asar', 'out', 'renderer', 'index.html');
    const page = pathToFileURL(htmlFile).href;
    const packaged = { htmlFile };
    assert.equal(isRendererUrl(page, packaged), true);
    assert.equal(isRendererUrl(`${page}#/licenses?x=1`, packaged), true, 'its own routes');
    for (const url of [
      pathToFileURL(path.join(path.dirname(htmlFile), 'other.html')).href,
      pathToFileURL(path.join(tmpdir(), 'Downloads', 'index.html')).href,
      page.replace('file:///', 'file://evil.example/'),
      'https://nextgennoise.com/',
      `${api}/checkout`,
      'not a url',
    ]) {
      assert.equal(isRendererUrl(url, packaged), false, url);
    }
    const dev = { htmlFile, devServerUrl: 'http://localhost:5173/' };
    assert.equal(isRendererUrl('http://localhost:5173/#/buy', dev), true);
    assert.equal(isRendererUrl('http://localhost:5174/', dev), false);
    assert.equal(isRendererUrl(page, dev), false, 'while developing, only the dev server is the app');
  });
});

describe('log rotation', () => {
  it('shifts archives up, keeps the newest three and leaves room for a fresh main.log', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ngn-logs-'));
    try {
      const main = path.join(dir, 'main.log');
      for (let n = 1; n <= 5; n++) {
        await writeFile(main, `run ${n}\n`);
        rotateLogFile(main, 3);
      }
      assert.deepEqual((await readdir(dir)).sort(), ['main.1.log', 'main.2.log', 'main.3.log']);
      assert.equal(await readFile(path.join(dir, 'main.1.log'), 'utf8'), 'run 5\n');
      assert.equal(await readFile(path.join(dir, 'main.3.log'), 'utf8'), 'run 3\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
