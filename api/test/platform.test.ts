import { generateKeyPairSync } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { loadConfig, ConfigError } from '../src/config';
import { signUp, startTestApi, type TestApi } from './helpers/api';

let t: TestApi;
before(async () => {
  t = await startTestApi({ CORS_ORIGINS: 'http://localhost:5173' });
});
after(() => t.close());

describe('health', () => {
  it('healthz answers while the process is up, readyz when the database answers', async () => {
    assert.deepEqual((await t.get('/healthz')).body, { status: 'ok' });
    const ready = await t.get('/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready', checks: { database: 'ok' } });
  });
});

describe('errors and headers', () => {
  it('answers unknown routes with the error shape, and wrong methods with 405', async () => {
    const res = await t.get('/no/such/route');
    assert.equal(res.status, 404);
    assert.equal(res.body.error, 'not_found');
    assert.equal(typeof res.body.message, 'string');
    const wrong = await t.request('DELETE', '/auth/login');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.body.error, 'method_not_allowed');
  });

  it('gives every response a request id, and keeps a sane incoming one', async () => {
    const made = await t.get('/healthz');
    assert.match(made.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
    const kept = await t.request('GET', '/healthz', { headers: { 'x-request-id': 'lb-123.abc' } });
    assert.equal(kept.headers.get('x-request-id'), 'lb-123.abc');
    const replaced = await t.request('GET', '/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
    assert.notEqual(replaced.headers.get('x-request-id'), 'bad id with spaces');
  });

  it('sets security headers and allows CORS only for listed origins', async () => {
    const res = await t.request('GET', '/healthz', { headers: { origin: 'http://localhost:5173' } });
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(res.headers.get('content-security-policy'));
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    const evil = await t.request('GET', '/healthz', { headers: { origin: 'https://evil.example' } });
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
  });

  it('never leaks a stack trace in a response', async () => {
    const res = await t.request('POST', '/auth/login', { raw: '{"email":"a@b.c","password":' });
    assert.equal(res.status, 400);
    assert.doesNotMatch(JSON.stringify(res.body), /at .*\.ts:\d+/);
  });
});

describe('roles', () => {
  it('reads the role from the database on every request', async () => {
    const u = await signUp(t);
    const before = await t.get('/user/profile', u.access);
    assert.equal(before.body.role, 'user');
    await t.api.deps.sequelize.query(`UPDATE users SET role = 'support' WHERE id = :id`, { replacements: { id: u.id } });
    assert.equal((await t.get('/user/profile', u.access)).body.role, 'support');
  });

  it('blocks suspended accounts at once, even with a live token', async () => {
    const u = await signUp(t);
    await t.api.deps.sequelize.query(`UPDATE users SET status = 'suspended' WHERE id = :id`, { replacements: { id: u.id } });
    const res = await t.get('/user/profile', u.access);
    assert.equal(res.status, 403);
    assert.equal(res.body.error, 'account_suspended');
    assert.equal((await t.post('/auth/login', { email: u.email, password: u.password })).body.error, 'account_suspended');
  });
});

describe('openapi', () => {
  it('serves a valid OpenAPI 3.1 document that lists the routes', async () => {
    const res = await t.get('/openapi.json');
    assert.equal(res.status, 200);
    assert.equal(res.body.openapi, '3.1.0');
    const validator = new Validator();
    const result = await validator.validate(res.body);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.ok(res.body.paths['/api/v1/auth/register'].post);
    assert.ok(res.body.paths['/api/v1/user/profile'].get.security.length > 0);
  });
});

describe('config', () => {
  it('refuses to start in production with the default secrets', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), ConfigError);
    assert.throws(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) }), /URL_SIGNING_SECRET|SIGNING_KEYS/);
    const otherwiseReady = {
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(40),
      URL_SIGNING_SECRET: 'y'.repeat(40),
      SIGNING_KEYS: generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      STRIPE_SECRET_KEY: 'sk_live_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_x',
    };
    assert.throws(() => loadConfig(otherwiseReady), /MAIL_FROM/);
    assert.equal(loadConfig({ ...otherwiseReady, MAIL_FROM: 'NextGen Noise <hello@nextgennoise.com>' }).mailFrom, 'NextGen Noise <hello@nextgennoise.com>');
  });

  it('explains invalid values', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT/);
  });
});

describe('text PostgreSQL cannot store', () => {
  it('refuses NUL characters and lone surrogates anywhere in the input with 400, not 500', async () => {
    const u = await signUp(t);
    for (const bad of ['a\u0000b', 'a\ud800b', '\udfce']) {
      const res = await t.put('/user/profile', { first_name: bad }, u.access);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error, 'validation_failed');
      assert.equal(res.body.details[0].path, 'body.first_name');
    }
    const ok = await t.put('/user/profile', { first_name: 'Zoë 🎵' }, u.access);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.first_name, 'Zoë 🎵');
  });
});

describe('prototype pollution', () => {
  it('refuses JSON that sets __proto__ with 400 invalid_json', async () => {
    const res = await t.request('POST', '/auth/login', { raw: '{"email":"a@b.co","password":"x","__proto__":{"admin":true}}' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_json');
  });
});
