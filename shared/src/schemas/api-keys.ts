import { z } from 'zod';
import { IsoDateTime, NextCursor, PageQuery, Uuid } from './common';

/**
 * What an admin API key may do. A key works only on routes that name one of
 * its scopes; every other route refuses it, whatever its owner's role.
 */
export const ApiKeyScope = z.enum(['releases:write']);
export type ApiKeyScope = z.infer<typeof ApiKeyScope>;

export const CreateApiKeyRequest = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z
    .array(ApiKeyScope)
    .min(1)
    .max(10)
    .transform((s) => [...new Set(s)]),
  /** Omit for a key that lasts until it is revoked. */
  expires_at: IsoDateTime.optional(),
});
export type CreateApiKeyRequest = z.output<typeof CreateApiKeyRequest>;

export const ApiKey = z.object({
  id: Uuid,
  name: z.string(),
  /** The first characters of the key, enough to recognise it in a list or a log. */
  prefix: z.string(),
  /** Plain strings: a key keeps listing even if a scope it holds is retired. */
  scopes: z.array(z.string()),
  created_by: Uuid,
  created_at: IsoDateTime,
  last_used_at: IsoDateTime.nullable(),
  expires_at: IsoDateTime.nullable(),
  revoked_at: IsoDateTime.nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

/** The answer to creation: the only time the secret itself is shown. */
export const CreatedApiKey = ApiKey.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

export const ApiKeyListQuery = PageQuery.extend({
  include_revoked: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .default(false),
});
export type ApiKeyListQuery = z.output<typeof ApiKeyListQuery>;
export const ApiKeyList = z.object({ api_keys: z.array(ApiKey), next_cursor: NextCursor });
export type ApiKeyList = z.infer<typeof ApiKeyList>;

export const ApiKeyParams = z.strictObject({ id: Uuid });
