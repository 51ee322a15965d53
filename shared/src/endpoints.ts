/**
 * Every endpoint of the API, declared once: method, path, who may call it,
 * the schemas of its body, query, params and answer, and the errors worth
 * documenting. The API registers its routes from these specs (`m.route(endpoints.x,
 * handler)`, OpenAPI included) and the Companion's API client calls them by name
 * (`api.call('x', input)`), so a path or schema cannot drift between the two.
 */
import type { ZodType } from 'zod';
import type { ApiKeyScope } from './schemas/api-keys';
import type { Role } from './schemas/common';
import { STAFF_ROLES } from './schemas/support';
import { DeleteAccountRequest } from './schemas/account';
import { AdminUserDetail, AdminUserListQuery, AdminUserListResponse, AdminUserParams, AuditLogListResponse, AuditLogQuery, ChangeRoleRequest, SuspendUserRequest } from './schemas/admin-users';
import { ActivationRequestFile, ActivationResponseFile, DeactivationReceiptFile, OfflineDeactivateResponse } from './schemas/airgap';
import { DashboardQuery, DashboardResponse, TelemetryRequest, TelemetryResponse } from './schemas/analytics';
import { ApiKey, ApiKeyList, ApiKeyListQuery, ApiKeyParams, CreateApiKeyRequest, CreatedApiKey } from './schemas/api-keys';
import { ChangePasswordRequest, ForgotPasswordRequest, LoginRequest, RefreshRequest, RegisterRequest, ResetPasswordRequest, TokenPair, UpdateProfileRequest, UserProfile, VerifyEmailRequest } from './schemas/auth';
import { AdminPlan, AdminPlanList, AdminPlanParams, AdminWebhookList, AdminWebhookParams, AdminWebhookQuery, ChangePlanPriceRequest, CreatePlanRequest, ReplayWebhookResponse } from './schemas/billing-admin';
import { MessageResponse, PageQuery } from './schemas/common';
import { ClientConfig } from './schemas/health';
import { ActivateRequest, ActivateResponse, AdminActivationList, AdminActivationListQuery, AdminGrantLicenseRequest, AdminLicenseDetail, AdminLicenseList, AdminLicenseListQuery, AdminLicenseParams, AdminOptionalReasonRequest, AdminReasonRequest, AdminResetActivationsResponse, AdminUpdateLicenseRequest, DeactivateRequest, DeactivateResponse, EmergencyResponse, HeartbeatRequest, HeartbeatResponse, Jwks, LicenseList, LicenseListQuery, LicenseStatusQuery, LicenseStatusResponse, TrialRequest, ValidateRequest, ValidateResponse } from './schemas/licenses';
import { MailchimpWebhookAck, MailchimpWebhookParams } from './schemas/newsletter';
import { AdminPurchaseList, AdminPurchaseQuery, CheckoutOutcome, CheckoutOutcomeQuery, CheckoutSessionParams, CheckoutSessionState, CreateCheckoutRequest, CreateCheckoutResponse, PlanList, PortalResponse, PurchaseHistory, PurchaseParams, RefundRequest, RefundResponse, RevenueQuery, RevenueReport, WebhookAck } from './schemas/purchases';
import { AdminReleaseListQuery, DownloadInfo, DownloadVersionList, DownloadsLatestQuery, DownloadsVersionsQuery, Release, ReleaseList, ReleaseParams, UpdateArtifactParams, UpdateFeedParams, UpdateReleaseRequest, YankReleaseRequest } from './schemas/releases';
import { AssignTicketRequest, CreateTicketRequest, CreateTicketResponse, StaffTicketDetail, StaffTicketListQuery, StaffTicketListResponse, TicketDetail, TicketListResponse, TicketMessage, TicketMessageRequest, TicketParams, TicketStatusRequest } from './schemas/support';

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

const ADMIN: Access = { roles: ['admin'] };
const ADMIN_OR_SUPPORT: Access = { roles: ['admin', 'support'] };
const SUPPORT_STAFF: Access = { roles: STAFF_ROLES };
/** Admins, or admin API keys holding releases:write (a release pipeline). */
const RELEASE_PUBLISHERS: Access = { roles: ['admin'], apiKeyScope: 'releases:write' };

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

  // Used by operators and their tools (admin console, release pipelines, Stripe, Mailchimp).
  adminListUsers: { method: 'get', path: '/admin/users', summary: 'Search and page through accounts', tags: ['admin'], access: ADMIN, query: AdminUserListQuery, response: AdminUserListResponse },
  adminGetUser: { method: 'get', path: '/admin/users/:id', summary: 'One account with its licenses and purchases', tags: ['admin'], access: ADMIN, params: AdminUserParams, response: AdminUserDetail, errors: { 404: 'No such user' } },
  adminSuspendUser: { method: 'post', path: '/admin/users/:id/suspend', summary: 'Suspend an account and sign it out everywhere', tags: ['admin'], access: ADMIN, params: AdminUserParams, body: SuspendUserRequest, response: AdminUserDetail, errors: { 404: 'No such user', 422: 'Own account, or a deleted one' } },
  adminReactivateUser: { method: 'post', path: '/admin/users/:id/reactivate', summary: 'Lift a suspension', tags: ['admin'], access: ADMIN, params: AdminUserParams, response: AdminUserDetail, errors: { 404: 'No such user', 422: 'Own account, or a deleted one' } },
  adminSetUserRole: { method: 'put', path: '/admin/users/:id/role', summary: "Change an account's role", tags: ['admin'], access: ADMIN, params: AdminUserParams, body: ChangeRoleRequest, response: AdminUserDetail, errors: { 404: 'No such user', 422: 'Own account, or a deleted one' } },
  adminAuditLogs: { method: 'get', path: '/admin/audit-logs', summary: 'The audit trail, filtered by user, action and time', tags: ['admin'], access: ADMIN, query: AuditLogQuery, response: AuditLogListResponse },
  adminCreateApiKey: { method: 'post', path: '/admin/api-keys', summary: 'Create an admin API key (the key is shown once)', tags: ['admin'], access: ADMIN, body: CreateApiKeyRequest, response: CreatedApiKey, status: 201 },
  adminListApiKeys: { method: 'get', path: '/admin/api-keys', summary: 'List admin API keys', tags: ['admin'], access: ADMIN, query: ApiKeyListQuery, response: ApiKeyList },
  adminRevokeApiKey: { method: 'delete', path: '/admin/api-keys/:id', summary: 'Revoke an admin API key', tags: ['admin'], access: ADMIN, params: ApiKeyParams, response: ApiKey, errors: { 404: 'No such key' } },
  adminGrantLicense: { method: 'post', path: '/admin/licenses', summary: 'Grant a license to a user (any policy, e.g. nfr)', tags: ['admin'], access: ADMIN, body: AdminGrantLicenseRequest, response: AdminLicenseDetail, status: 201, errors: { 404: 'user_not_found, product_not_found, policy_not_found' } },
  adminListLicenses: { method: 'get', path: '/admin/licenses', summary: 'Search licenses (q: key prefix or email part)', tags: ['admin'], access: ADMIN_OR_SUPPORT, query: AdminLicenseListQuery, response: AdminLicenseList },
  adminGetLicense: { method: 'get', path: '/admin/licenses/:id', summary: 'A license with all its activations', tags: ['admin'], access: ADMIN_OR_SUPPORT, params: AdminLicenseParams, response: AdminLicenseDetail, errors: { 404: 'license_not_found' } },
  adminUpdateLicense: { method: 'patch', path: '/admin/licenses/:id', summary: 'Change the end date and/or the seat count', tags: ['admin'], access: ADMIN, params: AdminLicenseParams, body: AdminUpdateLicenseRequest, response: AdminLicenseDetail, errors: { 404: 'license_not_found' } },
  adminSuspendLicense: { method: 'post', path: '/admin/licenses/:id/suspend', summary: 'Suspend (reversible)', tags: ['admin'], access: ADMIN, params: AdminLicenseParams, body: AdminReasonRequest, response: AdminLicenseDetail, errors: { 404: 'license_not_found' } },
  adminReinstateLicense: { method: 'post', path: '/admin/licenses/:id/reinstate', summary: 'Make a suspended (or revoked) license active again', tags: ['admin'], access: ADMIN, params: AdminLicenseParams, body: AdminOptionalReasonRequest, response: AdminLicenseDetail, errors: { 404: 'license_not_found' } },
  adminRevokeLicense: { method: 'post', path: '/admin/licenses/:id/revoke', summary: 'Revoke: every machine loses its seat', tags: ['admin'], access: ADMIN, params: AdminLicenseParams, body: AdminReasonRequest, response: AdminLicenseDetail, errors: { 404: 'license_not_found' } },
  adminResetActivations: { method: 'post', path: '/admin/licenses/:id/reset-activations', summary: 'Deactivate every machine of a license', tags: ['admin'], access: ADMIN, params: AdminLicenseParams, body: AdminOptionalReasonRequest, response: AdminResetActivationsResponse, errors: { 404: 'license_not_found' } },
  adminListActivations: { method: 'get', path: '/admin/activations', summary: 'Search activations', tags: ['admin'], access: ADMIN_OR_SUPPORT, query: AdminActivationListQuery, response: AdminActivationList },
  adminDeactivateMachine: { method: 'post', path: '/admin/activations/:id/deactivate', summary: 'Free one machine\'s seat', tags: ['admin'], access: ADMIN, params: AdminLicenseParams, body: AdminOptionalReasonRequest, response: DeactivateResponse, errors: { 404: 'activation_not_found' } },
  validate: {
    method: 'post',
    path: '/license/validate',
    summary: 'Online check for the plugin: is this key valid on this machine?',
    tags: ['license'],
    access: 'public',
    body: ValidateRequest,
    response: ValidateResponse,
    errors: { 429: 'Rate limited' },
  },
  mailchimpWebhookCheck: { method: 'get', path: '/newsletter/mailchimp-webhook/:secret', summary: "Mailchimp's check that the webhook URL answers", tags: ['newsletter'], access: 'public', params: MailchimpWebhookParams, response: MailchimpWebhookAck, errors: { 404: 'not_found' } },
  mailchimpWebhook: {
    method: 'post',
    path: '/newsletter/mailchimp-webhook/:secret',
    summary: "Mailchimp's audience webhook: unsubscribes and cleaned addresses withdraw newsletter consent",
    tags: ['newsletter'],
    access: 'public',
    params: MailchimpWebhookParams,
    response: MailchimpWebhookAck,
    errors: { 400: 'invalid_body', 404: 'not_found' },
  },
  adminListPlans: { method: 'get', path: '/admin/plans', summary: 'Every plan, on sale or not, with its Stripe price', tags: ['admin'], access: ADMIN, response: AdminPlanList },
  adminCreatePlan: {
    method: 'post',
    path: '/admin/plans',
    summary: 'A new plan with a new Stripe price',
    tags: ['admin'],
    access: ADMIN,
    body: CreatePlanRequest,
    response: AdminPlan,
    status: 201,
    errors: { 409: 'plan_exists', 422: 'unknown_product, unknown_policy', 503: 'payment_provider_error' },
  },
  adminChangePlanPrice: {
    method: 'put',
    path: '/admin/plans/:id/price',
    summary: 'Change the price: a new Stripe price for new checkouts, the old one archived',
    tags: ['admin'],
    access: ADMIN,
    params: AdminPlanParams,
    body: ChangePlanPriceRequest,
    response: AdminPlan,
    errors: { 404: 'plan_not_found', 503: 'payment_provider_error' },
  },
  adminDeactivatePlan: {
    method: 'post',
    path: '/admin/plans/:id/deactivate',
    summary: 'Take a plan off sale (existing licenses and subscriptions stay)',
    tags: ['admin'],
    access: ADMIN,
    params: AdminPlanParams,
    response: AdminPlan,
    errors: { 404: 'plan_not_found', 503: 'payment_provider_error' },
  },
  adminActivatePlan: {
    method: 'post',
    path: '/admin/plans/:id/activate',
    summary: 'Put a plan back on sale',
    tags: ['admin'],
    access: ADMIN,
    params: AdminPlanParams,
    response: AdminPlan,
    errors: { 404: 'plan_not_found', 503: 'payment_provider_error' },
  },
  adminListWebhooks: { method: 'get', path: '/admin/webhooks', summary: 'Stripe events received, newest first, with status and error', tags: ['admin'], access: ADMIN, query: AdminWebhookQuery, response: AdminWebhookList },
  adminReplayWebhook: {
    method: 'post',
    path: '/admin/webhooks/:id/replay',
    summary: 'Fetch a Stripe event again and process it (idempotent: never twice)',
    tags: ['admin'],
    access: ADMIN,
    params: AdminWebhookParams,
    response: ReplayWebhookResponse,
    errors: { 404: 'event_not_found', 422: 'webhook_replay_failed', 503: 'payment_provider_error' },
  },
  checkoutStatus: { method: 'get', path: '/purchase/checkout-status', summary: 'Outcome of a checkout, for the checkout pages', tags: ['purchase'], access: 'public', query: CheckoutOutcomeQuery, response: CheckoutOutcome, errors: { 404: 'Unknown session', 429: 'Rate limited' } },
  stripeWebhook: {
    method: 'post',
    path: '/purchase/webhook',
    summary: 'Stripe webhook (signed with Stripe-Signature)',
    tags: ['purchase'],
    access: 'public',
    response: WebhookAck,
    errors: { 400: 'invalid_signature or invalid_json: nothing recorded', 500: 'Handler failed: Stripe retries' },
  },
  adminListPurchases: { method: 'get', path: '/admin/purchases', summary: 'All purchases, newest first', tags: ['admin'], access: ADMIN_OR_SUPPORT, query: AdminPurchaseQuery, response: AdminPurchaseList },
  adminRefundPurchase: {
    method: 'post',
    path: '/admin/purchases/:id/refund',
    summary: 'Refund through Stripe; the webhook revokes the license',
    tags: ['admin'],
    access: ADMIN,
    params: PurchaseParams,
    body: RefundRequest,
    response: RefundResponse,
    status: 202,
    errors: { 404: 'No such purchase', 422: 'not_refundable', 503: 'payment_provider_error' },
  },
  adminRevenue: { method: 'get', path: '/admin/revenue', summary: 'Revenue per UTC day, product and currency', tags: ['admin'], access: ADMIN, query: RevenueQuery, response: RevenueReport },
  adminPublishRelease: {
    method: 'post',
    path: '/admin/releases',
    summary:
      'Publish a release: multipart/form-data (text fields of ReleaseMetadata, then the file part `file`, then optionally `blockmap`), or JSON RegisterExternalReleaseRequest for a file hosted elsewhere',
    tags: ['releases'],
    access: RELEASE_PUBLISHERS,
    response: Release,
    status: 201,
    errors: { 400: 'Signature not made by a release key of the current keyset (invalid_release_signature); nothing stored', 409: 'Version already published', 413: 'File too large', 415: 'Neither multipart nor JSON', 422: 'Companion release without sha512' },
  },
  adminListReleases: { method: 'get', path: '/admin/releases', summary: 'List releases', tags: ['releases'], access: RELEASE_PUBLISHERS, query: AdminReleaseListQuery, response: ReleaseList },
  adminGetRelease: { method: 'get', path: '/admin/releases/:id', summary: 'One release', tags: ['releases'], access: RELEASE_PUBLISHERS, params: ReleaseParams, response: Release, errors: { 404: 'No such release' } },
  adminUpdateRelease: { method: 'patch', path: '/admin/releases/:id', summary: 'Edit notes, date, minimum OS or rollout percentage', tags: ['releases'], access: RELEASE_PUBLISHERS, params: ReleaseParams, body: UpdateReleaseRequest, response: Release, errors: { 404: 'No such release' } },
  adminYankRelease: { method: 'post', path: '/admin/releases/:id/yank', summary: 'Withdraw a release from downloads and the update feed', tags: ['releases'], access: RELEASE_PUBLISHERS, params: ReleaseParams, body: YankReleaseRequest, response: Release, errors: { 404: 'No such release' } },
  adminUnyankRelease: { method: 'post', path: '/admin/releases/:id/unyank', summary: 'Put a yanked release back', tags: ['releases'], access: RELEASE_PUBLISHERS, params: ReleaseParams, response: Release, errors: { 404: 'No such release' } },
  adminListTickets: { method: 'get', path: '/admin/support/tickets', summary: 'All tickets, filtered', tags: ['support', 'admin'], access: SUPPORT_STAFF, query: StaffTicketListQuery, response: StaffTicketListResponse },
  adminGetTicket: { method: 'get', path: '/admin/support/tickets/:id', summary: 'A ticket with its messages', tags: ['support', 'admin'], access: SUPPORT_STAFF, params: TicketParams, response: StaffTicketDetail, errors: { 404: 'No such ticket' } },
  adminReplyToTicket: {
    method: 'post',
    path: '/admin/support/tickets/:id/messages',
    summary: 'Reply to a ticket (mails the user)',
    tags: ['support', 'admin'],
    access: SUPPORT_STAFF,
    params: TicketParams,
    body: TicketMessageRequest,
    response: TicketMessage,
    status: 201,
    errors: { 404: 'No such ticket', 422: 'Ticket closed' },
  },
  adminAssignTicket: {
    method: 'post',
    path: '/admin/support/tickets/:id/assign',
    summary: 'Assign a ticket to a staff member (or null to unassign)',
    tags: ['support', 'admin'],
    access: SUPPORT_STAFF,
    params: TicketParams,
    body: AssignTicketRequest,
    response: StaffTicketDetail,
    errors: { 404: 'No such ticket', 422: 'Assignee is not active staff' },
  },
  adminSetTicketStatus: { method: 'put', path: '/admin/support/tickets/:id/status', summary: 'Change a ticket status', tags: ['support', 'admin'], access: SUPPORT_STAFF, params: TicketParams, body: TicketStatusRequest, response: StaffTicketDetail, errors: { 404: 'No such ticket' } },
  dashboard: {
    method: 'get',
    path: '/analytics/dashboard',
    summary: 'Business and usage figures over a period',
    tags: ['analytics'],
    access: ADMIN,
    query: DashboardQuery,
    response: DashboardResponse,
  },
  companionUpdateFeed: { method: 'get', path: '/updates/companion/:channel/:feed', summary: 'electron-updater channel file (latest.yml, latest-mac.yml, latest-linux.yml)', tags: ['updates'], access: 'public', params: UpdateFeedParams, errors: { 404: 'Nothing released on this channel' } },
  companionUpdateFile: { method: 'get', path: '/updates/companion/:channel/:platform/:version/:file_name', summary: 'A companion artifact or its .blockmap (Range requests supported)', tags: ['updates'], access: 'public', params: UpdateArtifactParams, errors: { 404: 'No such live artifact', 416: 'Range outside the file' } },
} satisfies Record<string, Endpoint>;

export type EndpointName = keyof typeof endpoints;
