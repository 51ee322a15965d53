import { missingParam } from './errors';
import type { FormObject } from './form-encoding';
import { newId, nowSeconds, type PortalConfiguration } from './objects';
import { metadataParam, type StripeState } from './state';

/** POST /v1/billing_portal/configurations: Stripe requires `features`; the emulator keeps what was asked. */
export function createPortalConfiguration(s: StripeState, params: FormObject): PortalConfiguration {
  const features = params.features;
  if (!features || typeof features !== 'object' || Array.isArray(features)) throw missingParam('features');
  const configuration: PortalConfiguration = {
    id: newId('bpc'),
    object: 'billing_portal.configuration',
    active: true,
    created: nowSeconds(),
    features,
    is_default: false,
    livemode: false,
    metadata: metadataParam(params),
  };
  s.portalConfigurations.set(configuration.id, configuration);
  return configuration;
}
