import { endpoints } from '@ngn/shared';
import { AdminPurchaseList, AdminPurchaseQuery, CheckoutOutcome, CheckoutOutcomeQuery, PurchaseParams, RefundRequest, RefundResponse, RevenueQuery, RevenueReport, WebhookAck } from '@ngn/shared';
import { requestMeta } from '../../lib/http/request-meta';
import { limitByIp } from '../../lib/rate-limit';
import type { Module } from '../module';
import { registerBillingAdminRoutes } from './billing-admin-routes';
import { registerCheckoutPages } from './pages';
import { CUSTOMER_ERASURE_JOB, CUSTOMER_ERASURE_RETRIES, eraseStripeCustomer } from './customer-erasure';
import { LICENSE_REMINDER_CRON, LICENSE_REMINDER_JOB, sendLicenseReminders } from './license-reminders';

export const purchasesModule: Module = (m) => {
  const { stripe, purchases, purchasesAdmin: admin, webhooks } = m.services;
  const tags = ['purchase'];
  const adminTags = ['admin'];

  m.jobs.define(LICENSE_REMINDER_JOB, () => sendLicenseReminders(m).then(() => undefined), { retryLimit: 2 });
  m.jobs.schedule(LICENSE_REMINDER_JOB, LICENSE_REMINDER_CRON);
  m.jobs.define<{ customer: string }>(CUSTOMER_ERASURE_JOB, ({ customer }) => eraseStripeCustomer(stripe, customer, m.logger), {
    retryLimit: CUSTOMER_ERASURE_RETRIES,
    retryDelay: 10,
    retryBackoff: true,
  });

  m.route(
    endpoints.plans,
    () => purchases.listPlans(),
  );
  m.route(
    endpoints.createCheckout,
    ({ user, body, ctx }) => purchases.createCheckout(user.id, body, requestMeta(ctx)),
  );
  m.route(
    endpoints.checkoutSession,
    ({ user, params }) => purchases.sessionState(user.id, params.id),
  );

  // The checkout pages hold only a session id; limit how fast anyone can ask about ids.
  m.router.use('/purchase/checkout-status', limitByIp(m.rateLimits.createLocalFirst({ prefix: 'checkout_status_ip', points: 120, durationSeconds: 60 })));
  m.route(
    { method: 'get', path: '/purchase/checkout-status', summary: 'Outcome of a checkout, for the checkout pages', tags, access: 'public', query: CheckoutOutcomeQuery, response: CheckoutOutcome, errors: { 404: 'Unknown session', 429: 'Rate limited' } },
    ({ query }) => purchases.checkoutOutcome(query.session_id),
  );
  m.route(
    endpoints.purchaseHistory,
    ({ user, query }) => purchases.history(user.id, query),
  );
  m.route(
    endpoints.billingPortal,
    ({ user }) => purchases.portal(user.id),
  );
  m.route(
    {
      method: 'post',
      path: '/purchase/webhook',
      summary: 'Stripe webhook (signed with Stripe-Signature)',
      tags,
      access: 'public',
      response: WebhookAck,
      errors: { 400: 'invalid_signature or invalid_json: nothing recorded', 500: 'Handler failed: Stripe retries' },
    },
    async ({ ctx }) => {
      const event = webhooks.verify(ctx.request.rawBody, ctx.get('stripe-signature') || undefined);
      const { duplicate } = await webhooks.receive(event);
      return { received: true as const, ...(duplicate ? { duplicate } : {}) };
    },
  );

  const read = { roles: ['admin' as const, 'support' as const] };
  const write = { roles: ['admin' as const] };
  m.route(
    { method: 'get', path: '/admin/purchases', summary: 'All purchases, newest first', tags: adminTags, access: read, query: AdminPurchaseQuery, response: AdminPurchaseList },
    ({ query }) => admin.list(query),
  );
  m.route(
    {
      method: 'post',
      path: '/admin/purchases/:id/refund',
      summary: 'Refund through Stripe; the webhook revokes the license',
      tags: adminTags,
      access: write,
      params: PurchaseParams,
      body: RefundRequest,
      response: RefundResponse,
      status: 202,
      errors: { 404: 'No such purchase', 422: 'not_refundable', 503: 'payment_provider_error' },
    },
    ({ user, params, body, ctx }) => admin.refund(user.id, params.id, body, requestMeta(ctx)),
  );
  m.route(
    { method: 'get', path: '/admin/revenue', summary: 'Revenue per UTC day, product and currency', tags: adminTags, access: write, query: RevenueQuery, response: RevenueReport },
    async ({ query }) => ({ from: query.from, to: query.to, days: await purchases.revenueByDay(query.from, query.to) }),
  );

  registerBillingAdminRoutes(m);
  registerCheckoutPages(m, purchases);
};
