import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { ACTIVATION_REQUEST_FORMAT, ActivationRequestFile, activationRequestSigningInput, ActivationResponseFile, DEACTIVATION_RECEIPT_FORMAT, DeactivationReceiptFile, deactivationReceiptSigningInput, LicenseKeyInput, type HardwareComponents } from '@ngn/shared';
import { CompanionError } from '../contract/errors';
import type { ChannelHandlers } from '../contract/ipc';
import type { ActivationState } from '../contract/models';
import type { ActivationManager } from './activation-manager';
import type { ApiClient } from './api-client';
import type { CredentialStore } from './credential-store';

/** The machine's Ed25519 key for files, in the keychain beside the sign-in. */
const MACHINE_KEY_ACCOUNT = 'machine_key';

/** A file for the user to carry: its suggested name and its text. */
export interface CarriedFile {
  file_name: string;
  text: string;
}

export interface OfflineActivationOptions {
  api: ApiClient;
  credentials: CredentialStore;
  activation: ActivationManager;
  machine: { fingerprint: string; name: string; os: string; components: HardwareComponents };
  appVersion: string;
}

const fileSafe = (text: string) => text.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-|-$/g, '') || 'computer';

function parseFile<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, text: string, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CompanionError('invalid_file', `This is not ${what}.`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new CompanionError('invalid_file', `This is not ${what}.`);
  return parsed.data;
}

/**
 * Activation by file (docs/licensing.md, "Offline machines"). On the offline
 * computer: write a signed request, load the response, deactivate into a
 * signed receipt. On an online one ("Activate another computer by file"):
 * answer a request and submit a receipt, through the API.
 */
export class OfflineActivation {
  constructor(private readonly opts: OfflineActivationOptions) {}

  /** The offline channels, served by this object. */
  channels(): Pick<ChannelHandlers, `offline:${string}` & keyof ChannelHandlers> {
    return {
      'offline:create-request': ({ license_key, product }) => this.createRequest(license_key, product),
      'offline:load-response': ({ text }) => this.loadResponse(text),
      'offline:answer-request': ({ text }) => this.answerRequest(text),
      'offline:write-receipt': ({ product }) => this.writeReceipt(product),
      'offline:submit-receipt': ({ text }) => this.submitReceipt(text),
    };
  }

  /** This machine's key, made on first use and kept in the keychain. */
  private async machineKey(): Promise<{ privateKey: KeyObject; publicKey: string }> {
    let pem = await this.opts.credentials.get(MACHINE_KEY_ACCOUNT);
    if (!pem) {
      const { privateKey } = generateKeyPairSync('ed25519');
      pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      await this.opts.credentials.set(MACHINE_KEY_ACCOUNT, pem);
    }
    const privateKey = createPrivateKey(pem);
    const { x } = privateKey.export({ format: 'jwk' }) as { x: string };
    return { privateKey, publicKey: x };
  }

  async createRequest(licenseKey: string, product: string): Promise<CarriedFile> {
    const key = await this.machineKey();
    const fields = {
      product,
      license_key: LicenseKeyInput.parse(licenseKey),
      fingerprint: this.opts.machine.fingerprint,
      components: this.opts.machine.components,
      machine_name: this.opts.machine.name,
      os: this.opts.machine.os,
      app_version: this.opts.appVersion,
      nonce: randomBytes(16).toString('base64url'),
      created_at: new Date().toISOString(),
      machine_key: key.publicKey,
    };
    const signature = sign(null, Buffer.from(activationRequestSigningInput(fields)), key.privateKey).toString('base64url');
    const file = ActivationRequestFile.parse({ format: ACTIVATION_REQUEST_FORMAT, ...fields, signature });
    return { file_name: `${product}-${fileSafe(this.opts.machine.name)}.ngnreq`, text: `${JSON.stringify(file, null, 2)}\n` };
  }

  /** Loads the answer to this machine's request: its token, written as an online activation writes it. */
  async loadResponse(text: string): Promise<ActivationState> {
    const response = parseFile(ActivationResponseFile, text, 'an activation response (.ngnresp)');
    const key = await this.machineKey();
    if (response.fingerprint !== this.opts.machine.fingerprint || response.machine_key !== key.publicKey) {
      throw new CompanionError('response_for_another_computer', 'This activation response was made for another computer. Load it on the computer that made the request.');
    }
    return this.opts.activation.adopt(response.product, response.activation_token);
  }

  /** Online: the response to another computer's request, made by the API under the usual seat rules. */
  async answerRequest(text: string): Promise<CarriedFile> {
    const request = parseFile(ActivationRequestFile, text, 'an activation request (.ngnreq)');
    // The same request answered twice takes one seat.
    const response = await this.opts.api.call('offlineActivate', { body: request }, { idempotent: true });
    return { file_name: `${response.product}-${fileSafe(request.machine_name)}.ngnresp`, text: `${JSON.stringify(response, null, 2)}\n` };
  }

  /** Offline: lets go of this machine's seat and writes the signed receipt that frees it. */
  async writeReceipt(product: string): Promise<CarriedFile> {
    const key = await this.machineKey();
    const activationId = await this.opts.activation.releaseLocally(product);
    const fields = {
      activation_id: activationId,
      product,
      fingerprint: this.opts.machine.fingerprint,
      machine_key: key.publicKey,
      nonce: randomBytes(16).toString('base64url'),
      deactivated_at: new Date().toISOString(),
    };
    const signature = sign(null, Buffer.from(deactivationReceiptSigningInput(fields)), key.privateKey).toString('base64url');
    const receipt = DeactivationReceiptFile.parse({ format: DEACTIVATION_RECEIPT_FORMAT, ...fields, signature });
    return { file_name: `${product}-${fileSafe(this.opts.machine.name)}.ngnreceipt`, text: `${JSON.stringify(receipt, null, 2)}\n` };
  }

  /** Online: frees the seat an offline computer let go of. */
  async submitReceipt(text: string): Promise<{ activation_id: string }> {
    const receipt = parseFile(DeactivationReceiptFile, text, 'a deactivation receipt (.ngnreceipt)');
    const res = await this.opts.api.call('offlineDeactivate', { body: receipt }, { idempotent: true });
    return { activation_id: res.activation_id };
  }
}
