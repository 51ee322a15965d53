/**
 * The browser bridge: the core's channel map over a WebSocket on 127.0.0.1,
 * used through the same client the UI uses in a browser. Calls and events
 * work with the per-run token; a wrong token, a foreign Host (DNS rebinding)
 * or another site's Origin is refused before any channel is reachable.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { signUp, startTestApi, type TestApi } from '../../api/test/helpers/api';
import { startBridge, type RunningBridge } from '../src/bridge/server';
import { createBridgeClient, type BridgeClient } from '../src/renderer/bridge-client';
import { CompanionError } from '../src/contract/errors';
import type { AuthState } from '../src/contract/models';
import type { Settings } from '../src/contract/settings';
import { companionPlace, removePlace, testLogger, type CompanionPlace } from './helpers/companion';

let t: TestApi;
let place: CompanionPlace;
let bridge: RunningBridge;
let client: BridgeClient;
/** The session cookie the page got for its one-time token, and the bridge's own Origin. */
let cookie: string;
let origin: string;
const opened: string[] = [];

before(async () => {
  t = await startTestApi();
  place = await companionPlace();
  const rendererDir = path.join(place.dir, 'renderer');
  await mkdir(rendererDir, { recursive: true });
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>test UI</title>');
  bridge = await startBridge({
    apiUrl: t.url,
    port: 0,
    dataDir: place.dataDir,
    rendererDir,
    logger: testLogger,
    core: { keychainService: place.keychainService, tokenFileEnvironment: place.tokenEnv, installDir: place.installDir, logger: testLogger },
  });
  origin = new URL(bridge.url).origin;
  // What the page does with the token from its fragment: one POST, answered with the HttpOnly cookie.
  const exchanged = await fetch(`${origin}/session`, { method: 'POST', headers: { origin, 'x-bridge-token': bridge.token } });
  assert.equal(exchanged.status, 204);
  const setCookie = exchanged.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  cookie = setCookie.split(';')[0]!;
  client = createBridgeClient(bridge.wsUrl, {
    socket: (url) => new WebSocket(url, { headers: { cookie, origin } }) as never,
    openWindow: (url) => {
      opened.push(url);
      return true;
    },
  });
  await client.ready();
});
after(async () => {
  client?.close();
  await bridge?.close();
  await removePlace(place);
  await t.close();
});

/** Resolves with the next payload of an event. */
function next<T>(event: Parameters<BridgeClient['on']>[0]): Promise<T> {
  return new Promise((resolve) => {
    const off = client.on(event, (payload) => {
      off();
      resolve(payload as T);
    });
  });
}

/** A GET sent byte for byte as written (fetch would normalise the path). */
function rawStatus(rawPath: string): Promise<number> {
  const { port } = new URL(bridge.url);
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: rawPath }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

/** Opens a raw WebSocket and reports the HTTP status it was refused with (or 101). */
function handshake(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

describe('bridge', () => {
  it('serves the channel map: a call answers with the core’s value', async () => {
    const info = await client.invoke('app:info');
    assert.equal(info.transport, 'bridge');
    assert.equal(info.token_dir, path.join(place.tokenEnv.env.XDG_DATA_HOME!, 'nextgen-noise', 'activations'));
  });

  it('pushes the core’s events', async () => {
    const changed = next<Settings>('settings:changed');
    const settings = await client.invoke('settings:update', { telemetry_enabled: true, channel: 'beta' });
    assert.equal(settings.channel, 'beta');
    assert.deepEqual(await changed, settings);

    const user = await signUp(t);
    const auth = next<AuthState>('auth:changed');
    const state = await client.invoke('auth:login', { email: user.email, password: user.password });
    assert.equal(state.signed_in, true);
    assert.equal((await auth).user?.email, user.email);
  });

  it('rejects with the typed error: validation by the channel schema, API codes passed through', async () => {
    await assert.rejects(client.invoke('auth:login', { email: 'nope', password: 'x' }), (err: CompanionError) => {
      assert.ok(err instanceof CompanionError);
      assert.equal(err.code, 'validation_failed');
      assert.match(JSON.stringify(err.details), /email/);
      return true;
    });
    await assert.rejects(client.invoke('activation:activate', { license_key: 'NG-2222-3333-4444' }), { code: 'license_invalid' });
    await assert.rejects((client.invoke as (channel: string) => Promise<unknown>)('nope:nothing'), { code: 'invalid_request' });
  });

  it('opens only allow-listed links, and lets the browser do it', async () => {
    assert.deepEqual(await client.invoke('shell:open-external', { url: 'https://nextgennoise.com/help' }), { opened: true });
    await assert.rejects(client.invoke('shell:open-external', { url: 'https://evil.example/phish' }), { code: 'url_not_allowed' });
    await assert.rejects(client.invoke('shell:open-checkout', { url: 'https://nextgennoise.com/checkout' }), { code: 'url_not_allowed' });
    assert.deepEqual(await client.invoke('shell:open-checkout', { url: `${t.url}/checkout?session_id=cs_test_1` }), { opened: true });
    assert.deepEqual(opened, ['https://nextgennoise.com/help', `${t.url}/checkout?session_id=cs_test_1`]);
  });

  it('keeps the token out of every URL a server or another process sees, and trades it for a cookie only once', async () => {
    assert.equal(new URL(bridge.url).search, '');
    assert.equal(new URL(bridge.url).hash, `#token=${bridge.token}`);
    assert.ok(!bridge.wsUrl.includes(bridge.token));
    const again = await fetch(`${origin}/session`, { method: 'POST', headers: { origin, 'x-bridge-token': bridge.token } });
    assert.equal(again.status, 401, 'the token buys one cookie');
    const noOrigin = await fetch(`${origin}/session`, { method: 'POST', headers: { 'x-bridge-token': bridge.token } });
    assert.equal(noOrigin.status, 403);
    const foreign = await fetch(`${origin}/session`, { method: 'POST', headers: { origin: 'https://evil.example', 'x-bridge-token': bridge.token } });
    assert.equal(foreign.status, 403);
  });

  it('refuses a WebSocket without the cookie, with a foreign or missing Origin, or from a foreign Host', async () => {
    assert.equal(await handshake(bridge.wsUrl, { origin }), 401, 'no cookie');
    assert.equal(await handshake(bridge.wsUrl, { origin, cookie: 'ngn_bridge=guessed' }), 401);
    assert.equal(await handshake(`${bridge.wsUrl}?token=${bridge.token}`, { origin }), 401, 'the token alone opens nothing');
    assert.equal(await handshake(bridge.wsUrl, { cookie }), 403, 'no Origin');
    assert.equal(await handshake(bridge.wsUrl, { cookie, origin: 'https://evil.example' }), 403);
    const port = new URL(bridge.wsUrl).port;
    assert.equal(await handshake(bridge.wsUrl, { cookie, origin, host: `attacker.example:${port}` }), 421);
    assert.equal(await handshake(bridge.wsUrl, { cookie, origin }), 101);
  });

  it('serves the UI page with a strict CSP and without leaking the token in a Referer', async () => {
    const res = await fetch(bridge.url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /test UI/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'.*frame-ancestors 'none'/);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    // Encoded slashes survive URL normalisation: the file is looked up inside the UI folder or not at all.
    assert.equal(await rawStatus('/..%2f..%2f..%2f..%2fetc%2fhost.conf'), 404);
    assert.equal(await rawStatus('/%2e%2e%2f%2e%2e%2fpackage.json'), 404);
  });
});
