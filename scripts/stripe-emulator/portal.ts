import type Stripe from 'stripe';
import { missingParam } from './errors';
import type { FormObject, FormValue } from './form-encoding';
import { newId, nowSeconds, type PortalConfiguration } from './objects';
import { metadataParam, stringParam, type StripeState } from './state';

type Features = Stripe.BillingPortal.Configuration.Features;

const hash = (v: FormValue | undefined): FormObject => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});
const strings = (v: FormValue | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const enabled = (v: FormValue | undefined) => stringParam(hash(v), 'enabled') === 'true';

/** Stripe's full feature set with its defaults, and what the request turned on. */
function portalFeatures(params: FormObject): Features {
  const cancel = hash(params.subscription_cancel);
  const update = hash(params.subscription_update);
  const products = Array.isArray(update.products) ? update.products.map(hash) : [];
  return {
    customer_update: { allowed_updates: strings(hash(params.customer_update).allowed_updates) as Stripe.BillingPortal.Configuration.Features.CustomerUpdate['allowed_updates'], enabled: enabled(params.customer_update) },
    invoice_history: { enabled: enabled(params.invoice_history) },
    payment_method_update: { enabled: enabled(params.payment_method_update), payment_method_configuration: null },
    subscription_cancel: {
      cancellation_reason: { enabled: false, feedback_options: null, options: [] },
      enabled: enabled(cancel),
      mode: (stringParam(cancel, 'mode') ?? 'at_period_end') as Stripe.BillingPortal.Configuration.Features.SubscriptionCancel['mode'],
      proration_behavior: (stringParam(cancel, 'proration_behavior') ?? 'none') as Stripe.BillingPortal.Configuration.Features.SubscriptionCancel['proration_behavior'],
    },
    subscription_pause: { duration: { interval_options: [], type: 'indefinite' }, enabled: false },
    subscription_update: {
      billing_cycle_anchor: null,
      default_allowed_updates: strings(update.default_allowed_updates) as Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate['default_allowed_updates'],
      enabled: enabled(update),
      products: products.map((p) => ({ adjustable_quantity: { enabled: false, maximum: null, minimum: 1 }, prices: strings(p.prices), product: stringParam(p, 'product') ?? '' })),
      proration_behavior: (stringParam(update, 'proration_behavior') ?? 'none') as Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate['proration_behavior'],
      schedule_at_period_end: { conditions: [] },
      trial_update_behavior: 'end_trial',
    },
  };
}

/** POST /v1/billing_portal/configurations: Stripe requires `features`; the emulator keeps what was asked. */
export function createPortalConfiguration(s: StripeState, params: FormObject): PortalConfiguration {
  const features = params.features;
  if (!features || typeof features !== 'object' || Array.isArray(features)) throw missingParam('features');
  const profile = hash(params.business_profile);
  const now = nowSeconds();
  const configuration: PortalConfiguration = {
    id: newId('bpc'),
    object: 'billing_portal.configuration',
    active: true,
    application: null,
    business_profile: {
      headline: stringParam(profile, 'headline') ?? null,
      privacy_policy_url: stringParam(profile, 'privacy_policy_url') ?? null,
      terms_of_service_url: stringParam(profile, 'terms_of_service_url') ?? null,
    },
    created: now,
    default_return_url: stringParam(params, 'default_return_url') ?? null,
    features: portalFeatures(features),
    is_default: false,
    livemode: false,
    login_page: { enabled: false, url: null },
    metadata: metadataParam(params),
    name: stringParam(params, 'name') ?? null,
    updated: now,
  };
  s.portalConfigurations.set(configuration.id, configuration);
  return configuration;
}
