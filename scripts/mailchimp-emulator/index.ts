/**
 * A local stand-in for Mailchimp's Marketing API and its webhooks, for
 * development and tests (like scripts/stripe-emulator). See docs/email.md.
 */
export { startMailchimpEmulator, DEFAULT_AUDIENCE_ID, DEFAULT_MAILCHIMP_KEY, type MailchimpEmulator, type MailchimpEmulatorOptions } from './server';
export { subscriberHash, type Member } from './members';
