import { endpoints } from '@ngn/shared';
import { requestMeta } from '../../lib/http/request-meta';
import type { ModuleContext } from '../module';

/** /admin/plans and /admin/webhooks: what operators did by SQL before. Admins only: both move money. */
export function registerBillingAdminRoutes(m: ModuleContext): void {
  const { plansAdmin: plans, webhookEvents: webhooks } = m.services;

  m.route(endpoints.adminListPlans, () => plans.list());
  m.route(
    endpoints.adminCreatePlan,
    ({ user, body, ctx }) => plans.create(user.id, body, requestMeta(ctx)),
  );
  m.route(
    endpoints.adminChangePlanPrice,
    ({ user, params, body, ctx }) => plans.changePrice(user.id, params.id, body, requestMeta(ctx)),
  );
  m.route(
    endpoints.adminDeactivatePlan,
    ({ user, params, ctx }) => plans.setActive(user.id, params.id, false, requestMeta(ctx)),
  );
  m.route(
    endpoints.adminActivatePlan,
    ({ user, params, ctx }) => plans.setActive(user.id, params.id, true, requestMeta(ctx)),
  );

  m.route(
    endpoints.adminListWebhooks,
    ({ query }) => webhooks.list(query),
  );
  m.route(
    endpoints.adminReplayWebhook,
    ({ user, params, ctx }) => webhooks.replay(user.id, params.id, requestMeta(ctx)),
  );
}
