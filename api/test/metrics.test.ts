import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { signUp, startTestApi, type TestApi } from './helpers/api';

const TOKEN = 'metrics-token-for-tests-0123456789';
let t: TestApi;
before(async () => {
  t = await startTestApi({ METRICS_TOKEN: TOKEN });
});
after(() => t.close());

const scrape = async (api: TestApi, token = TOKEN) => api.request<string>('GET', '/metrics', { token });

/** The value of one sample line, e.g. http_requests_total{method="GET",route="/x",status="200"}. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.indexOf('}'));
    const parsed = Object.fromEntries([...inner.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => parsed[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('GET /metrics', () => {
  it('asks for the metrics token', async () => {
    assert.equal((await t.get('/metrics')).status, 401);
    const wrong = await scrape(t, 'not-the-token-at-all-000000');
    assert.equal(wrong.status, 401);
    assert.equal((wrong.body as any).error, 'unauthorized');
  });

  it('counts requests per route pattern, not per raw path, with latency histograms', async () => {
    const u = await signUp(t);
    for (let i = 0; i < 3; i += 1) await t.get(`/support/tickets/${randomUUID()}`, u.access);
    await t.get(`/no/such/route/${randomUUID()}`);
    const res = await scrape(t);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = res.body;
    assert.equal(sample(text, 'http_requests_total', { method: 'GET', route: '/api/v1/support/tickets/:id', status: '404' }), 3);
    assert.equal(sample(text, 'http_requests_total', { method: 'POST', route: '/api/v1/auth/login', status: '200' }), 1);
    assert.ok((sample(text, 'http_requests_total', { route: 'unmatched', status: '404' }) ?? 0) >= 1);
    assert.ok(!text.includes('/no/such/route'), 'raw paths never become labels');
    assert.equal(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/support/tickets/:id' }), 3);
    assert.ok(sample(text, 'http_request_duration_seconds_bucket', { route: '/api/v1/support/tickets/:id', le: '+Inf' }) === 3);
  });

  it('reports the database pool, job queue depth and process metrics', async () => {
    const text = (await scrape(t)).body;
    assert.ok((sample(text, 'db_pool_connections', { state: 'max' }) ?? 0) >= 1);
    assert.ok(sample(text, 'job_queue_depth', { queue: 'mail.send' }) !== undefined);
    assert.match(text, /^process_cpu_user_seconds_total \d/m);
    assert.match(text, /^nodejs_heap_size_used_bytes \d/m);
  });

  // Last, because a second app in the process rebinds the shared Sequelize models to its database.
  it('is off without a token, and each app keeps its own counts', async () => {
    const plain = await startTestApi();
    try {
      assert.equal((await scrape(plain)).status, 404);
      await plain.get('/healthz');
      const text = (await scrape(t)).body;
      // `t` never served /healthz: the other app's request is not in its registry.
      assert.equal(sample(text, 'http_requests_total', { route: '/healthz' }), undefined);
      assert.ok(sample(text, 'http_requests_total', { route: '/metrics', status: '200' }) !== undefined);
    } finally {
      await plain.close();
    }
  });
});
