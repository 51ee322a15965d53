import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase } from './helpers/database';
import { startApiProcess } from './helpers/process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dataDir: string;
before(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), 'ngn-shutdown-'));
});
after(async () => {
  await db.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('graceful shutdown', () => {
  it('on SIGTERM finishes the request in flight, refuses new connections and exits 0', async () => {
    const api = await startApiProcess({ DATABASE_URL: db.url, DATA_DIR: dataDir });
    const { port } = new URL(api.url);
    // A request whose body is still arriving when the signal comes.
    const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: '/api/v1/auth/forgot-password', headers: { 'content-type': 'application/json' } },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on('error', reject);
      req.write('{"email": "slow');
      setTimeout(() => {
        api.child.kill('SIGTERM');
        setTimeout(() => req.end('@example.test"}'), 500);
      }, 300);
    });
    const res = await inFlight.catch((err) => { throw new Error(`${err.message}\n${api.output()}`); });
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).message, 'reset_email_sent');
    assert.equal(await api.exited, 0, api.output());
    await assert.rejects(fetch(`${api.url}/healthz`));
  });
});
