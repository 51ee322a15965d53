import { z } from 'zod';

/**
 * Every error the API answers with. Clients switch on `error`, never on `message`.
 * Areas add their codes here so the companion and the API agree on one list.
 */
export const ERROR_CODES = [
  // generic
  'validation_failed',
  'invalid_json',
  'payload_too_large',
  'not_found',
  'forbidden',
  'conflict',
  'rate_limited',
  'service_unavailable',
  'internal_error',
  // auth and accounts
  'unauthorized',
  'invalid_credentials',
  'token_expired',
  'token_invalid',
  'token_revoked',
  'refresh_token_reused',
  'email_already_exists',
  'email_not_verified',
  'weak_password',
  'account_suspended',
  'invalid_reset_token',
  'invalid_verification_token',
  'wrong_password',
  // licensing
  'license_invalid',
  'license_not_found',
  'license_expired',
  'license_revoked',
  'license_suspended',
  'max_activations_reached',
  'activation_not_found',
  'activation_deactivated',
  'deactivation_limit_reached',
  'deactivation_pending',
  'activation_token_mismatch',
  'product_not_found',
  'policy_not_found',
  'user_not_found',
  // support, admin and accounts
  'ticket_closed',
  'invalid_assignee',
  'cannot_change_own_account',
  'invalid_user_state',
  // releases, downloads and admin API keys
  'license_required',
  'insufficient_scope',
  'release_exists',
  'sha512_required',
  'invalid_upload',
  'download_link_expired',
  'download_link_invalid',
  'range_not_satisfiable',
  // purchases
  'invalid_plan',
  'invalid_signature',
  'no_subscription',
  'not_refundable',
  'payment_provider_error',
  'already_subscribed',
  // release trust
  'invalid_release_signature',
  'release_keyset_missing',
] as const;

export type KnownErrorCode = (typeof ERROR_CODES)[number];

/** The body of every non-2xx answer. `details` carries field errors for validation_failed. */
export const ErrorBody = z.object({
  error: z.string().regex(/^[a-z0-9_]+$/),
  message: z.string(),
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Field-level problem as reported in `details` of a validation_failed error. */
export const FieldIssue = z.object({ path: z.string(), message: z.string() });
export type FieldIssue = z.infer<typeof FieldIssue>;
