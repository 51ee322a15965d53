import { invalidParam } from './errors';
import type { FormObject } from './form-encoding';
import { listNewestFirst, stringParam, type StripeState } from './state';
import { cancelSubscription } from './subscriptions';

const SUBSCRIPTION_STATUSES = ['active', 'all', 'canceled', 'ended', 'incomplete', 'incomplete_expired', 'past_due', 'paused', 'trialing', 'unpaid'];

/**
 * DELETE /v1/customers/:id as Stripe does it: the customer's subscriptions end
 * at once, and the customer answers from then on as `{ id, object, deleted: true }`.
 */
export function deleteCustomer(s: StripeState, id: string) {
  const customer = s.find(s.customers, id, 'customer');
  for (const sub of s.subscriptions.values()) {
    if (sub.customer === id && sub.status !== 'canceled') cancelSubscription(s, sub.id);
  }
  s.customers.delete(id);
  const deleted = { id, object: 'customer' as const, deleted: true as const };
  s.deletedCustomers.set(id, deleted);
  // The event carries the customer as it last was; the API answers with the stub.
  s.emit('customer.deleted', customer);
  return deleted;
}

/** GET /v1/customers/:id: a deleted customer is still found, as its deleted stub. */
export function retrieveCustomer(s: StripeState, id: string) {
  return s.deletedCustomers.get(id) ?? s.find(s.customers, id, 'customer');
}

/** GET /v1/subscriptions: Stripe leaves canceled ones out unless `status=all` or `status=canceled` asks for them. */
export function listSubscriptions(s: StripeState, params: FormObject) {
  const status = stringParam(params, 'status');
  if (status && !SUBSCRIPTION_STATUSES.includes(status)) {
    throw invalidParam('status', `Invalid status: must be one of ${SUBSCRIPTION_STATUSES.join(', ')}`);
  }
  const customer = stringParam(params, 'customer');
  const matches = [...s.subscriptions.values()].filter(
    (sub) =>
      (!customer || sub.customer === customer) &&
      (status === 'all' || (status ? sub.status === status : sub.status !== 'canceled')),
  );
  return listNewestFirst(matches, params.limit, '/v1/subscriptions');
}
