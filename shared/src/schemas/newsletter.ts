import { z } from 'zod';

/** Mailchimp's webhook URL carries its one credential, a secret, as a path segment. */
export const MailchimpWebhookParams = z.object({ secret: z.string().min(1).max(200) });
export const MailchimpWebhookAck = z.object({ received: z.literal(true) });
