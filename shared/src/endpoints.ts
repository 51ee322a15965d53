/**
 * Every endpoint both sides use, declared once: method, path, who may call it,
 * the schemas of its body, query, params and answer, and the errors worth
 * documenting. The API registers its routes from these specs (`m.route(endpoints.x,
 * handler)`, OpenAPI included) and the Companion's API client calls them by name
 * (`api.call('x', input)`), so a path or schema cannot drift between the two.
 */
import type { ZodType } from 'zod';
import type { ApiKeyScope } from './schemas/api-keys';
import type { Role } from './schemas/common';
import { DeleteAccountRequest } from './schemas/account';
import { ActivationRequestFile, ActivationResponseFile, DeactivationReceiptFile, OfflineDeactivateResponse } from './schemas/airgap';
import { TelemetryRequest, TelemetryResponse } from './schemas/analytics';
import { ChangePasswordRequest, ForgotPasswordRequest, LoginRequest, RefreshRequest, RegisterRequest, ResetPasswordRequest, TokenPair, UpdateProfileRequest, UserProfile, VerifyEmailRequest } from './schemas/auth';
import { MessageResponse, PageQuery } from './schemas/common';
import { ClientConfig } from './schemas/health';
import { ActivateRequest, ActivateResponse, DeactivateRequest, DeactivateResponse, EmergencyResponse, HeartbeatRequest, HeartbeatResponse, Jwks, LicenseList, LicenseListQuery, LicenseStatusQuery, LicenseStatusResponse, TrialRequest } from './schemas/licenses';
import { CheckoutSessionParams, CheckoutSessionState, CreateCheckoutRequest, CreateCheckoutResponse, PlanList, PortalResponse, PurchaseHistory } from './schemas/purchases';
import { DownloadInfo, DownloadVersionList, DownloadsLatestQuery, DownloadsVersionsQuery } from './schemas/releases';
import { CreateTicketRequest, CreateTicketResponse, TicketDetail, TicketListResponse, TicketMessage, TicketMessageRequest, TicketParams } from './schemas/support';

/**
 * Who may call an endpoint: nobody signed in, any signed-in user, or the listed
 * roles. Admin API keys are refused everywhere except on endpoints that name a
 * scope the key holds (`apiKeyScope`).
 */
export type Access = 'public' | 'user' | { roles: Role[]; apiKeyScope?: ApiKeyScope };

export interface Endpoint {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Below /api/v1, with `:name` for each path parameter. */
  path: string;
  summary: string;
  tags: string[];
  access: Access;
  body?: ZodType;
  query?: ZodType;
  params?: ZodType;
  /** Schema of the 2xx body; omitted for endpoints that stream or redirect. */
  response?: ZodType;
  status?: number;
  /** Extra error statuses worth documenting, e.g. { 409: 'email taken' }. */
  errors?: Record<number, string>;
}

export const endpoints = {
  register: { method: 'post', path: '/auth/register', summary: 'Create an account', tags: ['auth'], access: 'public', body: RegisterRequest, response: UserProfile, status: 201, errors: { 429: 'Rate limited' } },
  login: { method: 'post', path: '/auth/login', summary: 'Sign in', tags: ['auth'], access: 'public', body: LoginRequest, response: TokenPair, errors: { 401: 'Invalid credentials', 403: 'Suspended', 429: 'Rate limited' } },
  refresh: { method: 'post', path: '/auth/refresh', summary: 'Rotate the refresh token', tags: ['auth'], access: 'public', body: RefreshRequest, response: TokenPair, errors: { 401: 'Invalid, expired, revoked or reused token' } },
  logout: { method: 'post', path: '/auth/logout', summary: 'Sign out this session', tags: ['auth'], access: 'user', response: MessageResponse },
  verifyEmail: { method: 'post', path: '/auth/verify-email', summary: 'Confirm the email address with the mailed token', tags: ['auth'], access: 'public', body: VerifyEmailRequest, response: MessageResponse },
  resendVerification: { method: 'post', path: '/auth/resend-verification', summary: 'Mail a new verification token', tags: ['auth'], access: 'user', response: MessageResponse },
  forgotPassword: { method: 'post', path: '/auth/forgot-password', summary: 'Mail a password reset token', tags: ['auth'], access: 'public', body: ForgotPasswordRequest, response: MessageResponse },
  resetPassword: { method: 'post', path: '/auth/reset-password', summary: 'Set a new password with the mailed token', tags: ['auth'], access: 'public', body: ResetPasswordRequest, response: MessageResponse },
  profile: { method: 'get', path: '/user/profile', summary: 'My profile', tags: ['user'], access: 'user', response: UserProfile },
  updateProfile: { method: 'put', path: '/user/profile', summary: 'Update my name and what I am mailed (newsletter, new versions)', tags: ['user'], access: 'user', body: UpdateProfileRequest, response: UserProfile },
  changePassword: { method: 'put', path: '/user/password', summary: 'Change my password', tags: ['user'], access: 'user', body: ChangePasswordRequest, response: MessageResponse },
  exportAccount: { method: 'get', path: '/user/export', summary: 'Download all my personal data as one JSON file', tags: ['user'], access: 'user' },
  deleteAccount: {
    method: 'delete',
    path: '/user/account',
    summary: 'Delete my account and personal data (asks for the password)',
    tags: ['user'],
    access: 'user',
    body: DeleteAccountRequest,
    response: MessageResponse,
    errors: { 400: 'Wrong password', 429: 'Too many wrong passwords' },
  },
  plans: { method: 'get', path: '/purchase/plans', summary: 'Plans for sale, with prices', tags: ['purchase'], access: 'public', response: PlanList },
  createCheckout: {
    method: 'post',
    path: '/purchase/create-checkout',
    summary: 'Start an embedded Stripe Checkout for a plan',
    tags: ['purchase'],
    access: 'user',
    body: CreateCheckoutRequest,
    response: CreateCheckoutResponse,
    errors: { 409: 'already_subscribed', 503: 'payment_provider_error' },
  },
  checkoutSession: { method: 'get', path: '/purchase/session/:id', summary: 'My checkout session: status and, once paid, the license', tags: ['purchase'], access: 'user', params: CheckoutSessionParams, response: CheckoutSessionState, errors: { 404: 'Not your session' } },
  purchaseHistory: { method: 'get', path: '/purchase/history', summary: 'My payments, newest first', tags: ['purchase'], access: 'user', query: PageQuery, response: PurchaseHistory },
  billingPortal: { method: 'post', path: '/purchase/portal', summary: 'A Stripe billing-portal link for my subscription', tags: ['purchase'], access: 'user', response: PortalResponse, errors: { 422: 'no_subscription', 503: 'payment_provider_error' } },
  clientConfig: { method: 'get', path: '/client-config', summary: 'The public origin of this API, for clients', tags: ['health'], access: 'public', response: ClientConfig },
  licenses: { method: 'get', path: '/license/list', summary: 'My licenses', tags: ['license'], access: 'user', query: LicenseListQuery, response: LicenseList },
  licenseStatus: {
    method: 'get',
    path: '/license/status',
    summary: 'One license (license_key), or my most recent license of the product with my others beside it',
    tags: ['license'],
    access: 'user',
    query: LicenseStatusQuery,
    response: LicenseStatusResponse,
    errors: { 404: 'license_not_found' },
  },
  activate: {
    method: 'post',
    path: '/license/activate',
    summary: 'Activate this machine (idempotent per fingerprint)',
    tags: ['license'],
    access: 'user',
    body: ActivateRequest,
    response: ActivateResponse,
    errors: {
      400: 'license_invalid, max_activations_reached (lists the active machines)',
      403: 'license_expired, license_revoked, license_suspended',
      409: 'deactivation_pending (details.pending: the machine deactivated elsewhere and when it frees)',
    },
  },
  emergencyActivate: {
    method: 'post',
    path: '/license/emergency',
    summary: 'Every seat is held by machines I cannot reach: run this one for 7 days beyond the seats (once per 90 days per license)',
    tags: ['license'],
    access: 'user',
    body: ActivateRequest,
    response: EmergencyResponse,
    status: 201,
    errors: {
      400: 'license_invalid',
      403: 'license_expired, license_revoked, license_suspended',
      409: 'emergency_not_needed (a seat is free, or this machine is active), emergency_already_used (details.available_at)',
    },
  },
  startTrial: {
    method: 'post',
    path: '/license/trial',
    summary: "Start this account's 14-day trial of a product, activated on this machine in the same call",
    tags: ['license'],
    access: 'user',
    body: TrialRequest,
    response: ActivateResponse,
    status: 201,
    errors: {
      403: 'email_not_verified',
      404: 'trial_not_offered',
      409: 'trial_already_used (this account or this machine has had the trial of the product)',
    },
  },
  heartbeat: {
    method: 'post',
    path: '/license/heartbeat',
    summary: 'Trade an activation token for a fresh one (keeps the offline grace rolling)',
    tags: ['license'],
    access: 'public',
    body: HeartbeatRequest,
    response: HeartbeatResponse,
    errors: { 401: 'token_invalid', 403: 'account_suspended, activation_deactivated, license_revoked, license_suspended, license_expired', 429: 'Rate limited' },
  },
  deactivate: {
    method: 'post',
    path: '/license/deactivate',
    summary: 'Free the seat of one of my machines (this one or another)',
    tags: ['license'],
    access: 'user',
    body: DeactivateRequest,
    response: DeactivateResponse,
    errors: { 400: 'activation_token_mismatch', 404: 'activation_not_found', 422: 'deactivation_limit_reached' },
  },
  activationKeys: { method: 'get', path: '/keys', summary: 'Public keys (JWKS) that verify activation tokens', tags: ['license'], access: 'public', response: Jwks },
  offlineActivate: {
    method: 'post',
    path: '/license/offline/activate',
    summary: "Answer an offline computer's activation request file (.ngnreq) with its response file (.ngnresp)",
    tags: ['license'],
    access: 'user',
    body: ActivationRequestFile,
    response: ActivationResponseFile,
    errors: {
      400: 'invalid_request_signature, request_expired, product_mismatch, license_invalid, max_activations_reached',
      403: 'license_expired, license_revoked, license_suspended',
      409: 'deactivation_pending',
    },
  },
  offlineDeactivate: {
    method: 'post',
    path: '/license/offline/deactivate',
    summary: "Free an offline computer's seat with its signed deactivation receipt (at once: it proved it let go)",
    tags: ['license'],
    access: 'user',
    body: DeactivationReceiptFile,
    response: OfflineDeactivateResponse,
    errors: { 400: 'invalid_receipt_signature', 404: 'activation_not_found', 422: 'deactivation_limit_reached' },
  },
  downloadVersions: { method: 'get', path: '/downloads/versions', summary: 'Every live version, newest first, with short-lived download links', tags: ['downloads'], access: 'user', query: DownloadsVersionsQuery, response: DownloadVersionList, errors: { 403: 'No active license (license_required)' } },
  latestDownload: { method: 'get', path: '/downloads/latest', summary: 'Newest version for a platform, with a short-lived download link', tags: ['downloads'], access: 'user', query: DownloadsLatestQuery, response: DownloadInfo, errors: { 403: 'No active license (license_required)', 404: 'Nothing released yet' } },
  releaseKeyset: {
    method: 'get',
    path: '/releases/keys',
    summary: 'The release keyset (ReleaseKeyset): release public keys with their validity, signed by the offline root; served byte for byte as installed',
    tags: ['releases'],
    access: 'public',
    errors: { 503: 'No keyset installed' },
  },
  telemetry: {
    method: 'post',
    path: '/analytics/telemetry',
    summary: 'Record one telemetry event or a batch of up to 500',
    tags: ['analytics'],
    access: 'user',
    body: TelemetryRequest,
    response: TelemetryResponse,
    status: 201,
    errors: { 413: 'Body larger than the request limit', 429: 'Rate limited' },
  },
  createTicket: { method: 'post', path: '/support/ticket', summary: 'Open a support ticket', tags: ['support'], access: 'user', body: CreateTicketRequest, response: CreateTicketResponse, status: 201 },
  tickets: { method: 'get', path: '/support/tickets', summary: 'My tickets, newest first', tags: ['support'], access: 'user', query: PageQuery, response: TicketListResponse },
  ticket: { method: 'get', path: '/support/tickets/:id', summary: 'One of my tickets with its messages', tags: ['support'], access: 'user', params: TicketParams, response: TicketDetail, errors: { 404: 'No such ticket of yours' } },
  replyToTicket: {
    method: 'post',
    path: '/support/tickets/:id/messages',
    summary: 'Add a message to my ticket (staff: reply to any ticket)',
    tags: ['support'],
    access: 'user',
    params: TicketParams,
    body: TicketMessageRequest,
    response: TicketMessage,
    status: 201,
    errors: { 404: 'No such ticket of yours', 422: 'Ticket closed' },
  },
} satisfies Record<string, Endpoint>;

export type EndpointName = keyof typeof endpoints;
