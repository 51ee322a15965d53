import {
  AdminPlan,
  AdminPlanList,
  AdminPlanParams,
  AdminWebhookList,
  AdminWebhookParams,
  AdminWebhookQuery,
  ChangePlanPriceRequest,
  CreatePlanRequest,
  ReplayWebhookResponse,
} from '@ngn/shared';
import { requestMeta } from '../../lib/http/request-meta';
import type { ModuleContext } from '../module';

/** /admin/plans and /admin/webhooks: what operators did by SQL before. Admins only: both move money. */
export function registerBillingAdminRoutes(m: ModuleContext): void {
  const { plansAdmin: plans, webhookEvents: webhooks } = m.services;
  const tags = ['admin'];
  const access = { roles: ['admin' as const] };
  const stripeDown = { 503: 'payment_provider_error' };

  m.route({ method: 'get', path: '/admin/plans', summary: 'Every plan, on sale or not, with its Stripe price', tags, access, response: AdminPlanList }, () => plans.list());
  m.route(
    {
      method: 'post',
      path: '/admin/plans',
      summary: 'A new plan with a new Stripe price',
      tags,
      access,
      body: CreatePlanRequest,
      response: AdminPlan,
      status: 201,
      errors: { 409: 'plan_exists', 422: 'unknown_product, unknown_policy', ...stripeDown },
    },
    ({ user, body, ctx }) => plans.create(user.id, body, requestMeta(ctx)),
  );
  m.route(
    {
      method: 'put',
      path: '/admin/plans/:id/price',
      summary: 'Change the price: a new Stripe price for new checkouts, the old one archived',
      tags,
      access,
      params: AdminPlanParams,
      body: ChangePlanPriceRequest,
      response: AdminPlan,
      errors: { 404: 'plan_not_found', ...stripeDown },
    },
    ({ user, params, body, ctx }) => plans.changePrice(user.id, params.id, body, requestMeta(ctx)),
  );
  for (const [action, active] of [['deactivate', false], ['activate', true]] as const) {
    m.route(
      {
        method: 'post',
        path: `/admin/plans/:id/${action}`,
        summary: active ? 'Put a plan back on sale' : 'Take a plan off sale (existing licenses and subscriptions stay)',
        tags,
        access,
        params: AdminPlanParams,
        response: AdminPlan,
        errors: { 404: 'plan_not_found', ...stripeDown },
      },
      ({ user, params, ctx }) => plans.setActive(user.id, params.id, active, requestMeta(ctx)),
    );
  }

  m.route(
    { method: 'get', path: '/admin/webhooks', summary: 'Stripe events received, newest first, with status and error', tags, access, query: AdminWebhookQuery, response: AdminWebhookList },
    ({ query }) => webhooks.list(query),
  );
  m.route(
    {
      method: 'post',
      path: '/admin/webhooks/:id/replay',
      summary: 'Fetch a Stripe event again and process it (idempotent: never twice)',
      tags,
      access,
      params: AdminWebhookParams,
      response: ReplayWebhookResponse,
      errors: { 404: 'event_not_found', 422: 'webhook_replay_failed', ...stripeDown },
    },
    ({ user, params, ctx }) => webhooks.replay(user.id, params.id, requestMeta(ctx)),
  );
}
