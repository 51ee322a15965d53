import { checkoutHandlers } from './checkout';
import { paymentHandlers } from './payments';
import { subscriptionHandlers } from './subscriptions';
import type { EventHandlers } from './types';

/** Every Stripe event type the API acts on; any other type is recorded and acknowledged. */
export const EVENT_HANDLERS: EventHandlers = { ...checkoutHandlers, ...paymentHandlers, ...subscriptionHandlers };

export type { EventHandlers, HandlerContext } from './types';
