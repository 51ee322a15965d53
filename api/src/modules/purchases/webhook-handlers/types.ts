import type Stripe from 'stripe';
import type { Transaction } from 'sequelize';
import type { Logger } from '../../../lib/logger';
import type { PurchaseLedger } from '../ledger';

export interface HandlerContext {
  ledger: PurchaseLedger;
  stripe: Stripe;
  logger: Logger;
  /** The event's transaction: everything a handler writes commits together with "event processed". */
  transaction: Transaction;
}

export type EventOf<T extends Stripe.Event['type']> = Extract<Stripe.Event, { type: T }>;

export type EventHandlers = { [T in Stripe.Event['type']]?: (event: EventOf<T>, ctx: HandlerContext) => Promise<void> };
