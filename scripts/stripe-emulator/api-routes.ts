import { createCheckoutSession, expireCheckoutSession, getCheckoutSession, sessionLineItems } from './checkout';
import { invalidParam, missingParam } from './errors';
import type { FormObject } from './form-encoding';
import { newId, nowSeconds, type PortalSession } from './objects';
import { createPortalConfiguration } from './portal';
import { deleteCustomer, listSubscriptions, retrieveCustomer } from './customers';
import { createRefund } from './payments';
import { createPrice, updatePrice } from './prices';
import { listNewestFirst, metadataParam, stringParam, type StripeState } from './state';
import { cancelSubscription } from './subscriptions';

export interface RouteInput {
  params: FormObject;
  /** Capture groups of the path pattern (ids). */
  ids: string[];
  apiVersion: string;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  pattern: RegExp;
  /** The `stripe` package's type for this endpoint's parameters: the names it accepts come from it (see schema/). */
  paramsType: string;
  handle(s: StripeState, input: RouteInput): unknown;
}

const ID = '([A-Za-z0-9_]+)';
const r = (method: Route['method'], path: string, paramsType: string, handle: Route['handle']): Route => ({
  method,
  path,
  paramsType,
  pattern: new RegExp(`^${path.replaceAll(':id', ID)}$`),
  handle,
});

/** The slice of Stripe's v1 API this project uses, with Stripe's paths and parameters. */
export const API_ROUTES: Route[] = [
  r('POST', '/v1/customers', 'CustomerCreateParams', (s, { params }) =>
    s.createCustomer({
      email: stringParam(params, 'email'),
      name: stringParam(params, 'name'),
      description: stringParam(params, 'description'),
      metadata: metadataParam(params),
    }),
  ),
  r('GET', '/v1/customers/:id', 'CustomerRetrieveParams', (s, { ids }) => retrieveCustomer(s, ids[0]!)),
  r('DELETE', '/v1/customers/:id', 'CustomerDeleteParams', (s, { ids }) => deleteCustomer(s, ids[0]!)),
  r('POST', '/v1/customers/:id', 'CustomerUpdateParams', (s, { ids, params }) => {
    const customer = s.find(s.customers, ids[0]!, 'customer');
    const previous = { email: customer.email, name: customer.name, metadata: customer.metadata };
    customer.email = stringParam(params, 'email') ?? customer.email;
    customer.name = stringParam(params, 'name') ?? customer.name;
    customer.metadata = { ...customer.metadata, ...metadataParam(params) };
    s.emit('customer.updated', customer, previous);
    return customer;
  }),

  r('GET', '/v1/prices/:id', 'PriceRetrieveParams', (s, { ids }) => s.find(s.prices, ids[0]!, 'price')),
  r('GET', '/v1/prices', 'PriceListParams', (s, { params }) => listNewestFirst(s.prices.values(), params.limit, '/v1/prices')),
  r('POST', '/v1/prices', 'PriceCreateParams', (s, { params }) => createPrice(s, params)),
  r('POST', '/v1/prices/:id', 'PriceUpdateParams', (s, { ids, params }) => updatePrice(s, ids[0]!, params)),

  r('POST', '/v1/checkout/sessions', 'Checkout.SessionCreateParams', (s, { params, apiVersion }) => createCheckoutSession(s, params, apiVersion)),
  r('GET', '/v1/checkout/sessions/:id', 'Checkout.SessionRetrieveParams', (s, { ids }) => getCheckoutSession(s, ids[0]!)),
  r('GET', '/v1/checkout/sessions/:id/line_items', 'Checkout.SessionListLineItemsParams', (s, { ids }) => sessionLineItems(s, ids[0]!)),
  r('POST', '/v1/checkout/sessions/:id/expire', 'Checkout.SessionExpireParams', (s, { ids }) => expireCheckoutSession(s, ids[0]!)),
  r('GET', '/v1/checkout/sessions', 'Checkout.SessionListParams', (s, { params }) => {
    const pi = stringParam(params, 'payment_intent');
    const customer = stringParam(params, 'customer');
    const subscription = stringParam(params, 'subscription');
    const status = stringParam(params, 'status');
    const matches = [...s.sessions.keys()]
      .map((id) => getCheckoutSession(s, id))
      .filter(
        (cs) =>
          (!pi || cs.payment_intent === pi) &&
          (!customer || cs.customer === customer) &&
          (!subscription || cs.subscription === subscription) &&
          (!status || cs.status === status),
      );
    return listNewestFirst(matches, params.limit, '/v1/checkout/sessions');
  }),

  r('GET', '/v1/payment_intents/:id', 'PaymentIntentRetrieveParams', (s, { ids }) => s.find(s.paymentIntents, ids[0]!, 'payment_intent')),
  r('GET', '/v1/charges/:id', 'ChargeRetrieveParams', (s, { ids }) => s.find(s.charges, ids[0]!, 'charge')),

  r('POST', '/v1/refunds', 'RefundCreateParams', (s, { params }) => createRefund(s, params)),
  r('GET', '/v1/refunds/:id', 'RefundRetrieveParams', (s, { ids }) => s.find(s.refunds, ids[0]!, 'refund')),

  r('GET', '/v1/subscriptions', 'SubscriptionListParams', (s, { params }) => listSubscriptions(s, params)),
  r('GET', '/v1/subscriptions/:id', 'SubscriptionRetrieveParams', (s, { ids }) => s.find(s.subscriptions, ids[0]!, 'subscription')),
  r('DELETE', '/v1/subscriptions/:id', 'SubscriptionCancelParams', (s, { ids }) => cancelSubscription(s, ids[0]!)),
  r('GET', '/v1/invoices/:id', 'InvoiceRetrieveParams', (s, { ids }) => s.find(s.invoices, ids[0]!, 'invoice')),
  r('GET', '/v1/invoice_payments', 'InvoicePaymentListParams', (s, { params }) => {
    const invoice = stringParam(params, 'invoice');
    const payment = params.payment;
    const pi = payment && typeof payment === 'object' && !Array.isArray(payment) ? stringParam(payment, 'payment_intent') : undefined;
    if (!invoice && !pi) throw missingParam('invoice');
    const status = stringParam(params, 'status');
    const matches = [...s.invoicePayments.values()].filter(
      (ip) => (!invoice || ip.invoice === invoice) && (!pi || ip.payment.payment_intent === pi) && (!status || ip.status === status),
    );
    return listNewestFirst(matches, params.limit, '/v1/invoice_payments');
  }),

  r('POST', '/v1/billing_portal/configurations', 'BillingPortal.ConfigurationCreateParams', (s, { params }) => createPortalConfiguration(s, params)),
  r('GET', '/v1/billing_portal/configurations', 'BillingPortal.ConfigurationListParams', (s, { params }) =>
    listNewestFirst([...s.portalConfigurations.values()].filter((c) => stringParam(params, 'active') !== 'true' || c.active), params.limit, '/v1/billing_portal/configurations'),
  ),
  r('POST', '/v1/billing_portal/sessions', 'BillingPortal.SessionCreateParams', (s, { params }) => {
    const customer = stringParam(params, 'customer');
    if (!customer) throw missingParam('customer');
    s.find(s.customers, customer, 'customer', 'customer');
    const configuration = stringParam(params, 'configuration');
    if (configuration) s.find(s.portalConfigurations, configuration, 'billing_portal.configuration', 'configuration');
    const returnUrl = stringParam(params, 'return_url') ?? null;
    if (returnUrl && !/^https?:\/\//.test(returnUrl)) throw invalidParam('return_url', 'Not a valid URL', 'url_invalid');
    const id = newId('bps');
    const portal: PortalSession = {
      id,
      object: 'billing_portal.session',
      configuration: configuration ?? 'bpc_emulator_default',
      created: nowSeconds(),
      customer,
      customer_account: null,
      flow: null,
      livemode: false,
      locale: null,
      on_behalf_of: null,
      return_url: returnUrl,
      url: `${s.baseUrl()}/p/session/${id}`,
    };
    s.portalSessions.set(id, portal);
    return portal;
  }),

  r('GET', '/v1/events/:id', 'EventRetrieveParams', (s, { ids }) => {
    const event = s.events.find((e) => e.id === ids[0]);
    if (!event) return s.find(new Map(), ids[0]!, 'event');
    return event;
  }),
  r('GET', '/v1/events', 'EventListParams', (s, { params }) => {
    const type = stringParam(params, 'type');
    return listNewestFirst(
      s.events.filter((e) => !type || e.type === type),
      params.limit,
      '/v1/events',
    );
  }),
];
