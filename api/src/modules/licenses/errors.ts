import type { ActivationSummary, MaxActivationsReachedBody } from '@ngn/shared';
import { AppError, badRequest, notFound } from '../../lib/errors';

export const licenseInvalid = () =>
  badRequest('license_invalid', 'This license key is not valid for your account. Check it and try again.');

export const licenseNotFound = (message?: string) =>
  message ? new AppError(404, 'license_not_found', message) : notFound('License', 'license_not_found');
export const activationNotFound = () => notFound('Activation', 'activation_not_found');

/**
 * Every seat is taken. The seed's body lists the machines at top level
 * (`activations`), so the route writes this error's body itself.
 */
export class MaxActivationsReached extends AppError {
  constructor(
    readonly maxActivations: number,
    readonly activations: ActivationSummary[],
  ) {
    super(
      400,
      'max_activations_reached',
      `This license is active on ${maxActivations} machine(s), its maximum. Deactivate one to use it here.`,
    );
  }

  body(): MaxActivationsReachedBody {
    return { error: 'max_activations_reached', message: this.message, max_activations: this.maxActivations, activations: this.activations };
  }
}

/** Refuses a license that may not be used now: revoked, suspended or past its expiry. */
export function assertUsable(license: { status: string; expired: boolean }): void {
  if (license.status === 'revoked') throw new AppError(403, 'license_revoked', 'This license was revoked.');
  if (license.status === 'suspended')
    throw new AppError(403, 'license_suspended', 'This license is suspended. Contact support.');
  if (license.expired) throw new AppError(403, 'license_expired', 'This license has expired. Renew it to keep using it.');
}
