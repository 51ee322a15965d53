/**
 * The baseline the API is measured against: a bare Koa app on the same
 * database, with the same pool size and the same JSON body parser, that does
 * only the irreducible work of each operation. Whatever the API spends above
 * it (authentication, validation, rules, rate limits, audit) shows as the
 * ratio. Loopback only; started and stopped by the benchmark runner.
 */
import { createPrivateKey, sign } from 'node:crypto';
import Koa from 'koa';
import { koaBody } from 'koa-body';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_MAX ?? 10) });
const privateKey = createPrivateKey(process.env.SIGNING_KEY ?? '');
let telemetryUserId: string | undefined;

type Body = Record<string, unknown>;

/** A compact JWS signed with Ed25519, the same shape and size as an activation token. */
function signToken(payload: object): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ alg: 'EdDSA', typ: 'JWT', kid: 'baseline' })}.${enc(payload)}`;
  return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
}

const TELEMETRY_COLUMNS = ['event_id', 'user_id', 'event_type', 'daw_type', 'os', 'plugin_version', 'app_version', 'session_duration_secs', 'features_used', 'custom_data', 'occurred_at'];

const routes: Record<string, (body: Body) => Promise<unknown>> = {
  /** One prepared unique-key SELECT: the least a validation can do. */
  async 'POST /validate'(body) {
    const { rows } = await pool.query({
      name: 'validate',
      text: 'SELECT id, status, expires_at, policy_id FROM licenses WHERE license_key = $1',
      values: [body.license_key],
    });
    const row = rows[0];
    return { valid: row?.status === 'active', code: row ? 'VALID' : 'NOT_FOUND' };
  },
  /** One INSERT and one Ed25519 signature: the least an activation can do. */
  async 'POST /activate'(body) {
    const { rows } = await pool.query({
      name: 'activate',
      text: `INSERT INTO activations (license_id, fingerprint, machine_name, os)
             SELECT id, $2, $3, $4 FROM licenses WHERE license_key = $1 RETURNING id, license_id`,
      values: [body.license_key, body.hardware_id, body.machine_name, body.os],
    });
    const row = rows[0];
    const now = Math.floor(Date.now() / 1000);
    const token = signToken({ sub: row.id, license_id: row.license_id, fingerprint: body.hardware_id, iat: now, exp: now + 30 * 86_400 });
    return { status: 'activated', activation_id: row.id, activation_token: token };
  },
  /** One multi-row INSERT of the batch: the least telemetry ingestion can do. */
  async 'POST /telemetry'(body) {
    const events = body.events as Body[];
    const values: unknown[] = [];
    const tuples = events.map((e) => {
      const row = [e.event_id, telemetryUserId, e.event_type, e.daw_type, e.os, e.plugin_version, e.app_version, e.session_duration_secs, e.features_used, JSON.stringify(e.custom_data ?? {}), new Date()];
      const start = values.length;
      values.push(...row);
      return `(${row.map((_, i) => `$${start + i + 1}`).join(',')})`;
    });
    await pool.query(`INSERT INTO telemetry_events (${TELEMETRY_COLUMNS.join(',')}) VALUES ${tuples.join(',')}`, values);
    return { status: 'recorded', accepted: events.length };
  },
  async 'PUT /user'(body) {
    telemetryUserId = String(body.id);
    return { ok: true };
  },
};

const app = new Koa();
app.use(koaBody({ json: true, jsonStrict: true, jsonLimit: '256kb', urlencoded: false, text: false, multipart: false }));
app.use(async (ctx) => {
  if (ctx.path === '/healthz') {
    ctx.body = { status: 'ok' };
    return;
  }
  const route = routes[`${ctx.method} ${ctx.path}`];
  if (!route) {
    ctx.status = 404;
    ctx.body = { error: 'not_found' };
    return;
  }
  ctx.body = await route(ctx.request.body as Body);
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
server.keepAliveTimeout = 5_000;
const stop = () => server.close(() => void pool.end().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
