import { endpoints } from '@ngn/shared';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { badRequest, notFound } from '../../lib/errors';
import type { Module } from '../module';
import { FORGET_JOB, SWEEP_CRON, SWEEP_JOB, SYNC_JOB } from './service';

/** Mailchimp's webhook bodies are a few hundred bytes; anything far larger is not one. */
const WEBHOOK_MAX_BYTES = 64 * 1024;

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Mailchimp posts form-encoded bodies, which the API's JSON body parser leaves alone: read here, bounded. */
async function readForm(ctx: Context): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded')) throw badRequest('invalid_body', 'Mailchimp webhooks are form-encoded.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > WEBHOOK_MAX_BYTES) throw badRequest('invalid_body', 'This body is too large for a Mailchimp webhook.');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export const newsletterModule: Module = (m) => {
  const { newsletter } = m.services;
  m.jobs.define<{ user_id: string }>(SYNC_JOB, ({ user_id }) => newsletter.sync(user_id));
  m.jobs.define<{ subscriber_hash: string }>(FORGET_JOB, ({ subscriber_hash }) => newsletter.erase(subscriber_hash));
  m.jobs.define(SWEEP_JOB, () => newsletter.sweep().then(() => undefined), { retryLimit: 2 });
  m.jobs.schedule(SWEEP_JOB, SWEEP_CRON);

  // Without Mailchimp (or its emulator) there is no audience, and no webhook to receive.
  if (!m.config.mailchimp) return;
  // The secret is the URL's only credential (Mailchimp signs nothing): compared in constant time.
  const expected = digest(m.config.mailchimp.webhookSecret);
  const checkSecret = (secret: string) => {
    if (!timingSafeEqual(digest(secret), expected)) throw notFound();
  };
  m.route(
    endpoints.mailchimpWebhookCheck,
    ({ params }) => {
      checkSecret(params.secret);
      return { received: true as const };
    },
  );
  m.route(
    endpoints.mailchimpWebhook,
    async ({ params, ctx }) => {
      checkSecret(params.secret);
      await newsletter.fromMailchimp(await readForm(ctx));
      return { received: true as const };
    },
  );
};
