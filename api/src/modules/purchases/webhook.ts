import Stripe from 'stripe';
import { QueryTypes } from 'sequelize';
import type { AppDeps } from '../../context';
import { AppError, badRequest } from '../../lib/errors';
import type { PurchaseLedger } from './ledger';
import { EVENT_HANDLERS, type HandlerContext } from './webhook-handlers';

/** Stripe's own default: a signature older than this is refused, so a captured delivery cannot be replayed later. */
const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * Receives Stripe's webhooks, exactly once per event:
 * 1. verify the signature over the raw body (nothing is written otherwise);
 * 2. record the event id (unique) in its own short transaction, so even a
 *    delivery whose handler fails leaves a trace with its error;
 * 3. in one transaction: lock the event row (concurrent duplicates wait here),
 *    skip it if already processed, run its handler, mark it processed.
 * A handler that throws rolls its work back and answers 500: Stripe retries,
 * and the retry does the whole work once.
 */
export class StripeWebhookReceiver {
  constructor(
    private readonly deps: AppDeps,
    private readonly stripe: Stripe,
    private readonly ledger: PurchaseLedger,
  ) {}

  verify(rawBody: string | undefined, signature: string | undefined): Stripe.Event {
    if (rawBody === undefined) throw badRequest('invalid_json', 'Send the event as JSON (application/json).');
    if (!signature) throw badRequest('invalid_signature', 'The Stripe-Signature header is missing.');
    try {
      return this.stripe.webhooks.constructEvent(rawBody, signature, this.deps.config.stripe.webhookSecret, SIGNATURE_TOLERANCE_SECONDS);
    } catch (err) {
      if (err instanceof Stripe.errors.StripeSignatureVerificationError) {
        throw badRequest('invalid_signature', 'The Stripe signature does not match this payload, or it is too old.');
      }
      throw badRequest('invalid_json', 'The event is not valid JSON.');
    }
  }

  /** Returns whether the event had already been processed (a duplicate delivery). */
  async receive(event: Stripe.Event): Promise<{ duplicate: boolean }> {
    const { sequelize, logger } = this.deps;
    await sequelize.query(
      `INSERT INTO stripe_events (id, type, api_version, livemode, payload)
       VALUES (:id, :type, :api_version, :livemode, :payload::jsonb)
       ON CONFLICT (id) DO NOTHING`,
      {
        replacements: {
          id: event.id,
          type: event.type,
          api_version: event.api_version ?? null,
          livemode: event.livemode,
          payload: JSON.stringify(event),
        },
      },
    );
    const handler = EVENT_HANDLERS[event.type] as ((e: Stripe.Event, ctx: HandlerContext) => Promise<void>) | undefined;
    try {
      const processed = await sequelize.transaction(async (transaction) => {
        const [row] = await sequelize.query<{ processed_at: Date | null }>(
          'SELECT processed_at FROM stripe_events WHERE id = :id FOR UPDATE',
          { replacements: { id: event.id }, type: QueryTypes.SELECT, transaction },
        );
        if (row?.processed_at) return false;
        if (handler) await handler(event, { ledger: this.ledger, stripe: this.stripe, logger, transaction });
        await sequelize.query(
          'UPDATE stripe_events SET processed_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = :id',
          { replacements: { id: event.id }, transaction },
        );
        return true;
      });
      if (processed && handler) logger.info({ event: event.id, type: event.type }, 'stripe event processed');
      return { duplicate: !processed };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await sequelize
        .query('UPDATE stripe_events SET attempts = attempts + 1, last_error = :message WHERE id = :id', {
          replacements: { id: event.id, message: message.slice(0, 2000) },
        })
        .catch(() => undefined);
      logger.error({ err, event: event.id, type: event.type }, 'stripe event failed; Stripe will retry it');
      throw new AppError(500, 'internal_error', 'The event could not be processed. It will be processed when Stripe retries it.');
    }
  }
}
