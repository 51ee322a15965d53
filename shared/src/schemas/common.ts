import { z } from 'zod';

export const Uuid = z.uuid();
export const IsoDateTime = z.iso.datetime({ offset: true });
export const Email = z
  .email({ message: 'Enter a valid email address.' })
  .max(254)
  .transform((e) => e.trim().toLowerCase());

/** Our password policy: long enough to matter, short enough to hash cheaply, not all one kind. */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 128;
export const Password = z
  .string()
  .min(PASSWORD_MIN, { message: `Use at least ${PASSWORD_MIN} characters.` })
  .max(PASSWORD_MAX, { message: `Use at most ${PASSWORD_MAX} characters.` })
  .refine((p) => /[a-zA-Z]/.test(p) && /[^a-zA-Z]/.test(p), {
    message: 'Mix letters with at least one digit or symbol.',
  });

export const PersonName = z.string().trim().min(1).max(100);

/** `?limit=&cursor=` on every list. The cursor is opaque to clients. */
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

export const NextCursor = z.string().nullable();

export const MessageResponse = z.object({ message: z.string() });
export type MessageResponse = z.infer<typeof MessageResponse>;

export const Role = z.enum(['user', 'support', 'admin']);
export type Role = z.infer<typeof Role>;
