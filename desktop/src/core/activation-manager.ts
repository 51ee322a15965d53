import path from 'node:path';
import { ActivateResponse, Jwks, MaxActivationsReachedBody, decodeActivationToken, verifyActivationToken, type ActivationTokenPayload, type HardwareComponents, type TokenVerdictCode } from '@ngn/shared';
import { CompanionError, serializeError, type SerializedError } from '../contract/errors';
import type { ActivateResult, ActivationState, ProductActivation } from '../contract/models';
import type { ApiClient } from './api-client';
import { readJsonFile, writeFileAtomic } from './atomic-file';
import type { CredentialStore } from './credential-store';
import { Emitter } from './emitter';
import type { Logger } from './logger';
import { SerialQueue } from './serial';
import type { TokenFiles } from './token-file';

/** Keychain account of a product's activation token. */
const ACCOUNT_PREFIX = 'activation:';

/** Answers of the API that mean this machine may no longer use the product. */
const REVOKING_CODES = new Set([
  'license_revoked',
  'license_suspended',
  'license_expired',
  'activation_not_found',
  'activation_deactivated',
  // The server no longer recognises the token (its activation or signing key is gone).
  'token_invalid',
]);

export interface MachineIdentity {
  fingerprint: string;
  components: HardwareComponents;
  name: string;
  os: string;
}

export interface ActivationManagerOptions {
  api: ApiClient;
  credentials: CredentialStore;
  tokenFiles: TokenFiles;
  /** Holds the cached JWKS, so tokens can be checked offline. */
  dataDir: string;
  machine: MachineIdentity;
  appVersion: string;
  logger: Logger;
  /** Time between heartbeats while running; the token's offline grace is far longer. */
  heartbeatIntervalMs?: number;
}

export type ActivationEvents = {
  changed: ActivationState;
  /** A product stopped working here: its token and token file are gone. */
  revoked: { product: string; error: SerializedError };
};

/**
 * Owns this machine's activations: it activates and deactivates through the
 * API, keeps each product's signed token in the keychain, mirrors it into the
 * token file the plugin reads, refreshes it by heartbeat (which rolls the
 * offline grace forward), and removes it when the API says the license or the
 * machine was revoked.
 */
export class ActivationManager {
  readonly events = new Emitter<ActivationEvents>();
  private readonly serial = new SerialQueue();
  private readonly tokens = new Map<string, string>();
  private jwks: Jwks | null = null;
  private lastHeartbeatAt: string | null = null;
  private lastError: SerializedError | null = null;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribeNetwork: (() => void) | null = null;
  private readonly heartbeatIntervalMs: number;

  private constructor(private readonly opts: ActivationManagerOptions) {
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs ?? 4 * 3600_000;
  }

  /** Loads the stored tokens and makes sure each one's token file is in place. */
  static async open(opts: ActivationManagerOptions): Promise<ActivationManager> {
    const manager = new ActivationManager(opts);
    const cached = Jwks.safeParse(await readJsonFile(manager.jwksPath));
    if (cached.success) manager.jwks = cached.data;
    let stored: Array<{ account: string; secret: string }> = [];
    try {
      stored = await opts.credentials.list(ACCOUNT_PREFIX);
    } catch (err) {
      // The app still starts without a keychain; every action that needs one says what to do.
      if (!(err instanceof CompanionError && err.code === 'keychain_unavailable')) throw err;
      opts.logger.error({ err }, 'no keychain: activations cannot be loaded');
    }
    for (const { account, secret } of stored) {
      const product = account.slice(ACCOUNT_PREFIX.length);
      try {
        decodeActivationToken(secret);
      } catch {
        await opts.credentials.delete(account);
        continue;
      }
      manager.tokens.set(product, secret);
      // The plugin's copy may have been deleted by hand or by a cleaner: put it back.
      await opts.tokenFiles.write(product, secret);
    }
    return manager;
  }

  private get jwksPath(): string {
    return path.join(this.opts.dataDir, 'activation-keys.json');
  }

  get fingerprint(): string {
    return this.opts.machine.fingerprint;
  }

  /** This machine's activation of the product, if it has one. */
  activationId(product: string): string | undefined {
    const token = this.tokens.get(product);
    return token ? decodeActivationToken(token).payload.sub : undefined;
  }

  async state(): Promise<ActivationState> {
    const activations: ProductActivation[] = [];
    for (const [product, token] of [...this.tokens.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      activations.push(await this.describe(product, token));
    }
    return {
      fingerprint: this.opts.machine.fingerprint,
      machine_name: this.opts.machine.name,
      activations,
      last_heartbeat_at: this.lastHeartbeatAt,
      last_error: this.lastError,
    };
  }

  private async describe(product: string, token: string): Promise<ProductActivation> {
    const { payload } = decodeActivationToken(token);
    let verdict: TokenVerdictCode = 'UNKNOWN_KEY';
    if (this.jwks) verdict = (await verifyActivationToken(token, this.jwks, { fingerprint: this.fingerprint, product })).code;
    return {
      product,
      activation_id: payload.sub,
      license_id: payload.license_id,
      license_type: payload.license_type,
      policy: payload.policy,
      entitlements: payload.entitlements,
      token_expires_at: new Date(payload.exp * 1000).toISOString(),
      license_expires_at: payload.license_expires_at === null ? null : new Date(payload.license_expires_at * 1000).toISOString(),
      token_file: this.opts.tokenFiles.path(product),
      verdict,
    };
  }

  /** The API's public keys; fetched again when a token names a key we do not have. */
  private async keys(refresh = false): Promise<Jwks> {
    if (this.jwks && !refresh) return this.jwks;
    const jwks = await this.opts.api.call('activationKeys');
    await writeFileAtomic(this.jwksPath, JSON.stringify(jwks));
    this.jwks = jwks;
    return jwks;
  }

  /** Refuses a token that the plugin would refuse: wrong signature, product or machine. */
  private async checkToken(token: string, product: string): Promise<void> {
    let verdict = await verifyActivationToken(token, await this.keys(), { fingerprint: this.fingerprint, product });
    if (verdict.code === 'UNKNOWN_KEY') verdict = await verifyActivationToken(token, await this.keys(true), { fingerprint: this.fingerprint, product });
    if (!verdict.valid) {
      throw new CompanionError('activation_token_invalid', `The server sent an activation token this machine cannot use (${verdict.code}).`, {
        details: { verdict: verdict.code },
      });
    }
  }

  private async store(product: string, token: string): Promise<void> {
    await this.opts.credentials.set(`${ACCOUNT_PREFIX}${product}`, token);
    await this.opts.tokenFiles.write(product, token);
    await this.opts.tokenFiles.markServerTime(product, token, this.fingerprint);
    this.tokens.set(product, token);
  }

  private async forget(product: string): Promise<void> {
    this.tokens.delete(product);
    await this.opts.tokenFiles.remove(product);
    await this.opts.credentials.delete(`${ACCOUNT_PREFIX}${product}`);
  }

  private async changed(): Promise<ActivationState> {
    const state = await this.state();
    this.events.emit('changed', state);
    return state;
  }

  activate(licenseKey: string, machineName?: string): Promise<ActivateResult> {
    return this.serial.run(async () => {
      let res: ActivateResponse;
      try {
        res = await this.opts.api.call('activate', { body: { license_key: licenseKey, ...this.thisMachine(machineName) } });
      } catch (err) {
        if (err instanceof CompanionError && err.code === 'max_activations_reached') {
          const body = MaxActivationsReachedBody.safeParse({ error: err.code, message: err.message, ...(err.details as object) });
          if (body.success) {
            return { status: 'max_activations_reached', message: body.data.message, max_activations: body.data.max_activations, activations: body.data.activations };
          }
        }
        throw err;
      }
      return this.took(res);
    });
  }

  /**
   * Every seat is held by machines the user cannot reach: this one runs for a
   * week beyond the seats (the API allows it once per 90 days per license).
   */
  emergency(licenseKey: string, machineName?: string): Promise<ActivateResult> {
    return this.serial.run(async () => {
      const res = await this.opts.api.call('emergencyActivate', { body: { license_key: licenseKey, ...this.thisMachine(machineName) } });
      this.opts.logger.warn({ product: res.product, until: res.emergency_until }, 'emergency activation');
      return this.took(res);
    });
  }

  /**
   * Starts the account's trial of `product` on this machine: the API issues
   * the trial license and activates this machine in the same call.
   */
  startTrial(product: string): Promise<ActivateResult> {
    return this.serial.run(async () => {
      const res = await this.opts.api.call('startTrial', { body: { product, ...this.thisMachine() } });
      this.opts.logger.info({ product, license_id: res.license_id }, 'trial started');
      return this.took(res);
    });
  }

  /**
   * Takes a token that came by file (an offline machine's activation response),
   * checked like the API's answers. A machine that has never been online has no
   * keys to check its signature with: then what the token claims is checked
   * (this machine, this product) and the plugin checks the signature against
   * the keys built into it.
   */
  adopt(product: string, token: string): Promise<ActivationState> {
    return this.serial.run(async () => {
      try {
        await this.checkToken(token, product);
      } catch (err) {
        if (!(err instanceof CompanionError && (err.code === 'offline' || err.code === 'timeout'))) throw err;
        let claims: ActivationTokenPayload | null = null;
        try {
          claims = decodeActivationToken(token).payload;
        } catch {
          // not a token at all: refused below
        }
        if (!claims || claims.fingerprint !== this.fingerprint || claims.product !== product) {
          throw new CompanionError('activation_token_invalid', 'This activation response holds a token this machine cannot use.');
        }
      }
      await this.store(product, token);
      this.opts.logger.info({ product }, 'machine activated by file');
      return this.changed();
    });
  }

  /** Lets go of this machine's activation of `product` without telling the API (it is offline): returns its id for the receipt. */
  releaseLocally(product: string): Promise<string> {
    return this.serial.run(async () => {
      const token = this.tokens.get(product);
      if (!token) throw new CompanionError('not_activated', 'This computer has no activation of this product to release.');
      await this.forget(product);
      await this.changed();
      return decodeActivationToken(token).payload.sub;
    });
  }

  /** How this machine describes itself when it asks for a seat. */
  private thisMachine(machineName?: string) {
    return {
      hardware_id: this.fingerprint,
      machine_name: machineName ?? this.opts.machine.name,
      os: this.opts.machine.os,
      components: this.opts.machine.components,
      app_version: this.opts.appVersion,
    };
  }

  /** Keeps the token the API answered an activation with, as the plugin will read it. */
  private async took(res: ActivateResponse): Promise<ActivateResult> {
    await this.checkToken(res.activation_token, res.product);
    await this.store(res.product, res.activation_token);
    this.opts.logger.info({ product: res.product, activation_id: res.activation_id, already_active: res.already_active }, 'machine activated');
    await this.changed();
    return {
      status: 'activated',
      activation: await this.describe(res.product, res.activation_token),
      max_activations: res.max_activations,
      activations_remaining: res.activations_remaining,
      already_active: res.already_active,
      rebound: res.rebound !== null,
    };
  }

  /** Deactivates any of the user's machines; when it is this one, the token and token file go too. */
  deactivate(activationId: string): Promise<ActivationState> {
    return this.serial.run(async () => {
      const local = [...this.tokens.entries()].find(([, token]) => decodeActivationToken(token).payload.sub === activationId);
      try {
        await this.deactivateOnServer(activationId, local?.[1]);
      } catch (err) {
        // Already gone on the server (e.g. freed from another machine): finish the job locally.
        const gone = err instanceof CompanionError && (err.code === 'activation_not_found' || err.code === 'activation_deactivated');
        if (!gone || !local) throw err;
      }
      if (local) {
        await this.forget(local[0]);
        this.opts.logger.info({ product: local[0], activation_id: activationId }, 'machine deactivated');
      }
      return this.changed();
    });
  }

  /**
   * Refreshes every token of this machine. Offline is not an error here: the
   * token keeps working until its grace ends. A revocation removes it.
   */
  heartbeat(): Promise<ActivationState> {
    return this.serial.run(async () => {
      let failure: SerializedError | null = null;
      for (const [product, token] of [...this.tokens.entries()]) {
        try {
          // The token is the credential (heartbeats go on while signed out); sending one twice changes only the token's time.
          const res = await this.opts.api.call('heartbeat', { body: { activation_token: token, app_version: this.opts.appVersion } }, { idempotent: true });
          await this.checkToken(res.activation_token, product);
          await this.store(product, res.activation_token);
        } catch (err) {
          if (err instanceof CompanionError && REVOKING_CODES.has(err.code)) {
            await this.forget(product);
            this.opts.logger.warn({ product, code: err.code }, 'activation revoked by the server');
            this.events.emit('revoked', { product, error: serializeError(err) });
            continue;
          }
          failure = serializeError(err);
          this.opts.logger.warn({ product, code: failure.code }, 'heartbeat failed');
        }
      }
      if (!failure) this.lastHeartbeatAt = new Date().toISOString();
      this.lastError = failure;
      return this.changed();
    });
  }

  /** Removes every activation of this machine, telling the API first when it can. */
  releaseAll(): Promise<void> {
    return this.serial.run(async () => {
      for (const [product, token] of [...this.tokens.entries()]) {
        try {
          await this.deactivateOnServer(decodeActivationToken(token).payload.sub, token);
        } catch (err) {
          // Offline or already gone: the seat frees itself on the server once the machine goes stale.
          this.opts.logger.warn({ product, code: serializeError(err).code }, 'could not deactivate on sign-out');
        }
        await this.forget(product);
      }
      await this.changed();
    });
  }

  /**
   * Frees a seat on the server. This machine's own token goes with the request
   * when it has one: that proves the machine lets go, so the seat frees at once
   * instead of staying pending until the token would have expired.
   */
  private deactivateOnServer(activationId: string, ownToken: string | undefined) {
    return this.opts.api.call('deactivate', { body: { activation_id: activationId, ...(ownToken ? { activation_token: ownToken } : {}) } });
  }

  /** Heartbeat now and every few hours; also soon after the network comes back. */
  start(): void {
    if (this.timer) return;
    const beat = () => void this.heartbeat().catch((err) => this.opts.logger.warn({ err }, 'heartbeat failed'));
    this.timer = setInterval(beat, this.heartbeatIntervalMs);
    this.timer.unref();
    this.unsubscribeNetwork = this.opts.api.events.on('network', ({ online }) => {
      if (online && this.lastError && this.tokens.size) beat();
    });
    if (this.tokens.size) beat();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribeNetwork?.();
    this.unsubscribeNetwork = null;
  }

  hasActivations(): boolean {
    return this.tokens.size > 0;
  }
}
