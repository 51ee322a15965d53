import {
  activationRequestSigningInput,
  ACTIVATION_RESPONSE_FORMAT,
  type ActivationRequestFile,
  type ActivationResponseFile,
  type DeactivationReceiptFile,
} from '@ngn/shared';
import type { AppDeps } from '../../context';
import type { RequestMeta } from '../../lib/http/request-meta';
import { badRequest } from '../../lib/errors';
import { verifyMachineSignature } from './machine-keys';
import type { MachineSeats } from './machine-seats';

/** A request older than this may describe a machine that is gone or reinstalled: make a new one. */
const REQUEST_MAX_AGE_MS = 30 * 86_400_000;
/** Clocks differ; a request from further in the future than this is not believed. */
const REQUEST_MAX_FUTURE_MS = 86_400_000;

/**
 * Activation and deactivation by file, for computers that never go online
 * (see shared/src/schemas/airgap.ts). The seat rules are the online ones:
 * a request is an activation the offline machine asks an online device to
 * make for it, signed with the machine's key, which the seat remembers so
 * that only that machine's receipt can free it without a pending period.
 */
export class FileActivations {
  constructor(
    private readonly deps: AppDeps,
    private readonly seats: MachineSeats,
  ) {}

  async activate(userId: string, request: ActivationRequestFile, meta: RequestMeta): Promise<ActivationResponseFile> {
    const { signature, format: _format, ...signed } = request;
    if (!verifyMachineSignature(request.machine_key, activationRequestSigningInput(signed), signature)) {
      throw badRequest('invalid_request_signature', 'This activation request was changed after the offline computer made it. Make a new one there.');
    }
    const age = Date.now() - Date.parse(request.created_at);
    if (age > REQUEST_MAX_AGE_MS || age < -REQUEST_MAX_FUTURE_MS) {
      throw badRequest('request_expired', 'This activation request is more than 30 days old. Make a new one on the offline computer.');
    }
    return this.deps.sequelize.transaction(async (transaction) => {
      const activated = await this.seats.activate(
        userId,
        {
          license_key: request.license_key,
          hardware_id: request.fingerprint,
          machine_name: request.machine_name,
          os: request.os,
          components: request.components,
          app_version: request.app_version,
        },
        meta,
        transaction,
        { machineKey: request.machine_key },
      );
      // The key names the product; a request for another one is a mix-up, undone with the transaction.
      if (activated.product !== request.product) {
        throw badRequest('product_mismatch', `This license is for ${activated.product}, but the request asks for ${request.product}.`);
      }
      return {
        format: ACTIVATION_RESPONSE_FORMAT,
        request_nonce: request.nonce,
        product: activated.product,
        license_key: activated.license_key,
        fingerprint: request.fingerprint,
        machine_key: request.machine_key,
        activation_id: activated.activation_id,
        activation_token: activated.activation_token,
        token_expires_at: activated.token_expires_at,
        issued_at: new Date().toISOString(),
      };
    });
  }

  async deactivate(userId: string, receipt: DeactivationReceiptFile, meta: RequestMeta): Promise<void> {
    await this.seats.deactivate(userId, { activation_id: receipt.activation_id, receipt }, meta);
  }
}
