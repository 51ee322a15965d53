import Stripe from 'stripe';
import { QueryTypes } from 'sequelize';
import type { AdminWebhookEvent, AdminWebhookList, AdminWebhookQuery, ReplayWebhookResponse } from '@ngn/shared';
import type { AppDeps } from '../../context';
import { audit } from '../../db/audit';
import type { RequestMeta } from '../../lib/http/request-meta';
import { AppError, notFound, unprocessable } from '../../lib/errors';
import { decodeCursor, keysetWhere, page } from '../../lib/pagination';
import { callStripe } from './stripe-client';
import type { StripeWebhookReceiver } from './webhook';

interface EventRow {
  id: string;
  type: string;
  created_at: Date;
  processed_at: Date | null;
  attempts: number;
  last_error: string | null;
}

/** processed, failed (an attempt ended in an error), or pending (recorded, never finished). */
const STATUS_SQL = `CASE WHEN processed_at IS NOT NULL THEN 'processed' WHEN last_error IS NOT NULL THEN 'failed' ELSE 'pending' END`;

function toEvent(r: EventRow): AdminWebhookEvent {
  return {
    id: r.id,
    type: r.type,
    status: r.processed_at ? 'processed' : r.last_error ? 'failed' : 'pending',
    received_at: r.created_at.toISOString(),
    processed_at: r.processed_at?.toISOString() ?? null,
    attempts: r.attempts,
    last_error: r.last_error,
  };
}

/**
 * The Stripe events the API received, for operators: which failed and why,
 * and a replay that fetches the event from Stripe again (never trusting the
 * stored copy) and runs it through the same exactly-once receiver.
 */
export class WebhookEventsAdmin {
  constructor(
    private readonly deps: AppDeps,
    private readonly stripe: Stripe,
    private readonly receiver: StripeWebhookReceiver,
  ) {}

  async list(query: AdminWebhookQuery): Promise<AdminWebhookList> {
    const cursor = keysetWhere(decodeCursor(query.cursor), 'e');
    const rows = await this.deps.sequelize.query<EventRow>(
      `SELECT * FROM (
         SELECT id, type, received_at AS created_at, processed_at, attempts, last_error, ${STATUS_SQL} AS status FROM stripe_events
       ) e
        WHERE (:status::text IS NULL OR e.status = :status) AND (:type::text IS NULL OR e.type = :type) AND ${cursor.sql}
        ORDER BY e.created_at DESC, e.id DESC LIMIT :limit`,
      {
        replacements: { status: query.status ?? null, type: query.type ?? null, limit: query.limit + 1, ...cursor.replacements },
        type: QueryTypes.SELECT,
      },
    );
    const { items, next_cursor } = page(rows, query.limit);
    return { events: items.map(toEvent), next_cursor };
  }

  async replay(adminId: string | null, eventId: string, meta: RequestMeta): Promise<ReplayWebhookResponse> {
    let event: Stripe.Event;
    try {
      event = await callStripe(() => this.stripe.events.retrieve(eventId));
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) throw notFound('Stripe event', 'event_not_found');
      throw err;
    }
    let replayed: boolean;
    try {
      replayed = !(await this.receiver.receive(event)).duplicate;
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 500) throw err;
      const failed = await this.row(eventId);
      throw unprocessable('webhook_replay_failed', `The event failed again: ${failed?.last_error ?? 'unknown error'}`, failed ? toEvent(failed) : undefined);
    }
    await audit({ action: 'stripe_event.replayed', actorUserId: adminId, targetType: 'stripe_event', targetId: eventId, metadata: { type: event.type, replayed } }, meta);
    return { event: toEvent((await this.row(eventId))!), replayed };
  }

  private async row(id: string): Promise<EventRow | undefined> {
    const [row] = await this.deps.sequelize.query<EventRow>(
      'SELECT id, type, received_at AS created_at, processed_at, attempts, last_error FROM stripe_events WHERE id = :id',
      { replacements: { id }, type: QueryTypes.SELECT },
    );
    return row;
  }
}
