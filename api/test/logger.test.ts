import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../src/lib/logger';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { logger: createLogger({ logLevel: 'info', logPretty: false }, stream), lines };
}

test('an error line keeps type, message, code and stack, and the error it wraps, but not what a driver hung on it', async () => {
  const { logger, lines } = capture();
  const driverError = Object.assign(new Error('terminating connection due to administrator command'), {
    code: '57P01',
    severity: 'FATAL',
    // node-postgres attaches its client, with the connection's whole state.
    client: { connectionParameters: { host: '127.0.0.1', database: 'ngn' }, _types: { builtins: { BOOL: 16 } } },
  });
  const wrapper = Object.assign(new Error('query failed', { cause: driverError }), { sql: 'SELECT secret FROM t', parameters: ['p'] });
  logger.error({ err: wrapper }, 'job queue error');
  await new Promise((resolve) => setImmediate(resolve));

  const err = lines[0]!.err as Record<string, unknown>;
  assert.equal(err.type, 'Error');
  assert.match(String(err.message), /^query failed/);
  assert.match(String(err.stack), /query failed/);
  assert.equal(err.sql, undefined);
  const cause = err.cause as Record<string, unknown>;
  assert.equal(cause.code, '57P01');
  assert.equal(cause.severity, 'FATAL');
  assert.equal(cause.client, undefined);
  assert.ok(JSON.stringify(lines[0]).length < 2_000, 'one readable line');
});

test('a Sequelize error keeps the code of the driver error it wraps as parent', async () => {
  const { logger, lines } = capture();
  const parent = Object.assign(new Error('duplicate key value'), { code: '23505', constraint: 'users_email_key' });
  logger.error({ err: Object.assign(new Error('Validation error'), { name: 'SequelizeUniqueConstraintError', parent }) }, 'failed');
  await new Promise((resolve) => setImmediate(resolve));
  const cause = (lines[0]!.err as { cause: Record<string, unknown> }).cause;
  assert.deepEqual([cause.code, cause.constraint], ['23505', 'users_email_key']);
});
