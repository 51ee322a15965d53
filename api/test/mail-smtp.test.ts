import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { QueryTypes } from 'sequelize';
import { SMTPServer } from 'smtp-server';
import { signUp, startTestApi, tokenFromMail, type TestApi } from './helpers/api';

interface Received {
  to: string[];
  raw: string;
}

/** A real SMTP server on loopback that keeps what it receives. */
async function startSmtp(port = 0) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.server.address() as AddressInfo).port;
  return { port: bound, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let smtp: Awaited<ReturnType<typeof startSmtp>>;
let t: TestApi;
before(async () => {
  smtp = await startSmtp();
  t = await startTestApi({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}` });
});
after(async () => {
  await t.close();
  await smtp.close();
});

async function waitFor<T>(fn: () => T | undefined, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('mail over SMTP', () => {
  it('delivers a reset mail through a real SMTP server, and its token resets the password', async () => {
    const u = await signUp(t);
    await t.post('/auth/forgot-password', { email: u.email });
    const mail = await waitFor(() => smtp.received.find((m) => m.to.includes(u.email) && /Subject: Reset your/.test(m.raw)));
    assert.match(mail.raw, /Content-Type: multipart\/alternative/);
    const token = tokenFromMail(mail.raw, 'reset token');
    const res = await t.post('/auth/reset-password', { token, new_password: 'smtp-delivered-1' });
    assert.equal(res.status, 200);
    assert.equal((await t.post('/auth/login', { email: u.email, password: 'smtp-delivered-1' })).status, 200);
  });

  it('keeps the mail queued while SMTP is down and delivers it when it is back', async () => {
    const port = smtp.port;
    await smtp.close();
    const u = await signUp(t);
    await t.post('/auth/forgot-password', { email: u.email });
    await new Promise((r) => setTimeout(r, 1500));
    const [row] = await t.api.deps.sequelize.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'mail.send' AND state IN ('created','retry','active') AND data->>'to' = :to AND data->>'tag' = 'reset-password'`,
      { replacements: { to: u.email }, type: QueryTypes.SELECT },
    );
    assert.equal(row!.n, 1, 'the mail waits in the durable queue');
    // Bring SMTP back on the same port and let the retry deliver it.
    smtp = await startSmtp(port);
    await t.api.deps.sequelize.query(`UPDATE pgboss.job SET start_after = now() WHERE name = 'mail.send' AND state = 'retry'`);
    const mail = await waitFor(() => smtp.received.find((m) => m.to.includes(u.email) && /Reset your/.test(m.raw)), 30_000);
    assert.ok(mail);
  });
});
