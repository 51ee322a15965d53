import { endpoints } from '@ngn/shared';
import { requestMeta } from '../../lib/http/request-meta';
import { limitByIp } from '../../lib/rate-limit';
import type { Module } from '../module';
import { registerBillingAdminRoutes } from './billing-admin-routes';
import { registerCheckoutPages } from './pages';
import { CUSTOMER_ERASURE_JOB, CUSTOMER_ERASURE_RETRIES, eraseStripeCustomer } from './customer-erasure';
import { LICENSE_REMINDER_CRON, LICENSE_REMINDER_JOB, sendLicenseReminders } from './license-reminders';

export const purchasesModule: Module = (m) => {
  const { stripe, purchases, purchasesAdmin: admin, webhooks } = m.services;

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
    endpoints.checkoutStatus,
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
    endpoints.stripeWebhook,
    async ({ ctx }) => {
      const event = webhooks.verify(ctx.request.rawBody, ctx.get('stripe-signature') || undefined);
      const { duplicate } = await webhooks.receive(event);
      return { received: true as const, ...(duplicate ? { duplicate } : {}) };
    },
  );

  m.route(
    endpoints.adminListPurchases,
    ({ query }) => admin.list(query),
  );
  m.route(
    endpoints.adminRefundPurchase,
    ({ user, params, body, ctx }) => admin.refund(user.id, params.id, body, requestMeta(ctx)),
  );
  m.route(
    endpoints.adminRevenue,
    async ({ query }) => ({ from: query.from, to: query.to, days: await purchases.revenueByDay(query.from, query.to) }),
  );

  registerBillingAdminRoutes(m);
  registerCheckoutPages(m, purchases);
};
