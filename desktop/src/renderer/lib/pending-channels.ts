/**
 * Channels the UI needs that the shared channel map does not carry yet. Each
 * entry names the channel and its request/response as the screens use them
 * (the API's own shapes from `shared/`); once the core serves a channel and it
 * appears in `shared/ipc.ts`, delete its entry here and the screens are typed
 * from the map again, unchanged.
 *
 * Until then a call fails with `unsupported` and the screen says so, instead
 * of breaking.
 */
import type {
  ChangePasswordRequest,
  CheckoutSessionState,
  CreateCheckoutRequest,
  CreateCheckoutResponse,
  DeleteAccountRequest,
  Plan,
  TicketDetail,
  TicketMessage,
} from '@ngn/shared';
import type { AuthState } from '../../shared/models';

export interface PendingChannels {
  /** POST /auth/verify-email, then the refreshed profile. */
  'auth:verify-email': { request: { token: string }; response: AuthState };
  /** POST /auth/reset-password. */
  'auth:reset-password': { request: { token: string; new_password: string }; response: void };
  /** PUT /user/password. */
  'auth:change-password': { request: ChangePasswordRequest; response: void };
  /** GET /user/export: the JSON document itself. */
  'account:export': { request: undefined; response: unknown };
  /** DELETE /user/account, then the session is wiped like a sign-out. */
  'account:delete': { request: DeleteAccountRequest; response: AuthState };
  /** GET /purchase/plans. */
  'purchase:plans': { request: undefined; response: Plan[] };
  /** POST /purchase/create-checkout. */
  'purchase:create-checkout': { request: Partial<CreateCheckoutRequest> & { plan: string }; response: CreateCheckoutResponse };
  /** GET /purchase/session/:id. */
  'purchase:session': { request: { session_id: string }; response: CheckoutSessionState };
  /** GET /support/tickets/:id. */
  'support:get-ticket': { request: { id: string }; response: TicketDetail };
  /** POST /support/tickets/:id/messages. */
  'support:reply': { request: { id: string; message: string }; response: TicketMessage };
}
