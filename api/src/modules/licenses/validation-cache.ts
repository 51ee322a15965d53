import type { LicenseState, LicenseType } from '@ngn/shared';
import type { AppDeps } from '../../context';
import { ChangeFeed } from '../../lib/change-feed';
import { LicenseSql } from './license-sql';

/** Licenses kept per process at most; the least recently validated go first. */
const MAX_LICENSES = 100_000;
/** The channel the database triggers of migration 0015 announce changes on. */
export const LICENSE_CHANGES_CHANNEL = 'license_changes';

/** A statement that may change what validation reads (the triggers say exactly what; this only says "maybe"). */
const WRITES_WATCHED_TABLES = /\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(?:licenses|activations|policies|users)"?\b/i;

/** A machine holding a seat (not deactivated), with what validation reads of it. */
export interface CachedMachine {
  id: string;
  fingerprint: string;
  emergency_until: Date | null;
  last_validated_at: Date | null;
  token_expires_at: Date | null;
  stale_at: Date | null;
}

/** What `/license/validate` reads of a license: the license, its policy, its owner's status, its live machines. */
export interface CachedLicense {
  id: string;
  status: LicenseState;
  product_id: string;
  expires_at: Date | null;
  policy_id: string;
  policy: string;
  license_type: LicenseType;
  entitlements: string[];
  offline_grace_days: number;
  user_id: string | null;
  owner_suspended: boolean;
  machines: CachedMachine[];
}

type MachineJson = { [K in keyof CachedMachine]: K extends 'id' | 'fingerprint' ? string : string | null };
const date = (v: string | null) => (v === null ? null : new Date(v));

/**
 * The validation view of licenses, in process memory, loaded on a miss and
 * kept coherent by the database: triggers announce every committed change on
 * LICENSE_CHANGES_CHANNEL and a listener drops what changed. Never stale:
 *
 * - while the listening connection is down (or not yet up) nothing is read
 *   from or written to the cache: `lookup` answers `bypass` and validation
 *   asks the database, as it did without a cache;
 * - losing or regaining the connection empties the cache;
 * - a load that raced a change (any notification arrived while it read) is
 *   answered but not kept.
 *
 * A change made through another process is seen here once PostgreSQL
 * delivers the notification, normally within milliseconds of the commit; a
 * change made through this process, by the very next validation (ChangeFeed).
 */
export class ValidationCache {
  private readonly byKey = new Map<string, CachedLicense>();
  private readonly keyById = new Map<string, string>();
  private readonly store: LicenseSql;
  private readonly feed: ChangeFeed;
  /** Moves on every notification and reset: a load that started under another epoch is not kept. */
  private epoch = 0;

  constructor(deps: AppDeps) {
    this.store = new LicenseSql(deps.sequelize);
    this.feed = new ChangeFeed({
      sequelize: deps.sequelize,
      databaseUrl: deps.databaseUrl,
      logger: deps.logger,
      channel: LICENSE_CHANGES_CHANNEL,
      writesWatchedTables: WRITES_WATCHED_TABLES,
      onChange: (payload) => this.changed(payload),
      onReset: () => this.clear(),
    });
  }

  /** The listening connection's server process id, while it is up. */
  get listenerPid(): number | undefined {
    return this.feed.listenerPid;
  }

  /** The license with this key (`null`: no such license), or `bypass` when the cache cannot be trusted now. */
  async lookup(key: string): Promise<CachedLicense | null | 'bypass'> {
    if (!(await this.feed.usable())) return 'bypass';
    const cached = this.byKey.get(key);
    if (cached) {
      // Most recently used last: eviction takes the oldest.
      this.byKey.delete(key);
      this.byKey.set(key, cached);
      return cached;
    }
    const epoch = this.epoch;
    const loaded = await this.load(key);
    if (loaded && this.feed.live && epoch === this.epoch) this.keep(key, loaded);
    return loaded;
  }

  close(): Promise<void> {
    return this.feed.close();
  }

  private async load(key: string): Promise<CachedLicense | null> {
    const [row] = await this.store.rows<Omit<CachedLicense, 'machines'> & { machines: MachineJson[] }>(
      `SELECT l.id, l.status, l.product_id, l.expires_at, l.policy_id, l.user_id,
              p.name AS policy, p.license_type, p.entitlements, p.offline_grace_days,
              COALESCE(u.status = 'suspended', false) AS owner_suspended,
              COALESCE((SELECT json_agg(json_build_object(
                         'id', a.id, 'fingerprint', a.fingerprint, 'emergency_until', a.emergency_until,
                         'last_validated_at', a.last_validated_at, 'token_expires_at', a.token_expires_at, 'stale_at', a.stale_at))
                          FROM activations a WHERE a.license_id = l.id AND a.deactivated_at IS NULL), '[]') AS machines
         FROM licenses l JOIN policies p ON p.id = l.policy_id LEFT JOIN users u ON u.id = l.user_id
        WHERE l.license_key = :key`,
      { key },
    );
    if (!row) return null;
    return {
      ...row,
      machines: row.machines.map((m) => ({
        id: m.id,
        fingerprint: m.fingerprint,
        emergency_until: date(m.emergency_until),
        last_validated_at: date(m.last_validated_at),
        token_expires_at: date(m.token_expires_at),
        stale_at: date(m.stale_at),
      })),
    };
  }

  private keep(key: string, license: CachedLicense): void {
    this.byKey.set(key, license);
    this.keyById.set(license.id, key);
    if (this.byKey.size > MAX_LICENSES) {
      const [oldestKey, oldest] = this.byKey.entries().next().value!;
      this.byKey.delete(oldestKey);
      this.keyById.delete(oldest.id);
    }
  }

  private changed(payload: string): void {
    const [kind, id, ...rest] = payload.split(':') as [string, string, ...string[]];
    if (kind === 's') return this.stamped(id, rest);
    this.epoch += 1;
    if (kind === 'l') {
      const key = this.keyById.get(id);
      if (key) this.byKey.delete(key);
      this.keyById.delete(id);
      return;
    }
    // Policies and owners change rarely: a scan is cheaper than keeping more indexes.
    for (const [key, license] of this.byKey) {
      if ((kind === 'p' && license.policy_id === id) || (kind === 'u' && license.user_id === id)) {
        this.byKey.delete(key);
        this.keyById.delete(license.id);
      }
    }
  }

  /**
   * A machine's new stamps, updated in place. A load racing it may keep the
   * older values: that only makes the next stamp come sooner, or sends one
   * validation to the database, never a wrong answer.
   */
  private stamped(licenseId: string, [activationId, lastValidated, tokenExpires]: string[]): void {
    const key = this.keyById.get(licenseId);
    const machine = key ? this.byKey.get(key)?.machines.find((m) => m.id === activationId) : undefined;
    if (!machine) return;
    const seconds = (v: string | undefined) => (v ? new Date(Number(v) * 1000) : null);
    machine.last_validated_at = seconds(lastValidated);
    machine.token_expires_at = seconds(tokenExpires);
  }

  private clear(): void {
    this.epoch += 1;
    this.byKey.clear();
    this.keyById.clear();
  }
}
