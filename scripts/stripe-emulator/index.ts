/**
 * A local stand-in for Stripe: the slice of its HTTP API this project uses,
 * a payment form and billing portal in place of Stripe's pages, and webhooks
 * signed the way Stripe signs them. See docs/purchases.md.
 */
export { startStripeEmulator, DEFAULT_WEBHOOK_SECRET, EMULATOR_API_VERSION, type StripeEmulator, type StripeEmulatorOptions } from './server';
export { signWebhookPayload, type DeliveryOptions, type DeliveryOrder, type DeliveryRecord } from './webhooks';
export { DEFAULT_PRICES, type PriceDefinition } from './catalog';
export type { StripeEvent } from './objects';
