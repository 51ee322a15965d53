import { z } from 'zod';

export const HealthResponse = z.object({ status: z.literal('ok') });
export const ReadyResponse = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z.record(z.string(), z.enum(['ok', 'failed'])),
});

/** What a client learns from the API about itself: the origin its links and pages (checkout) are served from. */
export const ClientConfig = z.object({ public_url: z.url() });
export type ClientConfig = z.infer<typeof ClientConfig>;
