import type { LicenseList, LicenseStatus, LicenseStatusResponse, PageQuery } from '@ngn/shared';
import type { AppDeps } from '../../context';
import { decodeCursor, keysetWhere, page } from '../../lib/pagination';
import { licenseNotFound } from './errors';
import { LicenseSql } from './license-sql';
import { ACTIVATION_COLUMNS, LICENSE_COLUMNS, LICENSE_FROM, licenseStatus, licenseSummary, type ActivationRow, type LicenseRow } from './rows';

/** What a user holds: their licenses with their live machines, and whether one of a product is usable. */
export class OwnedLicenses {
  private readonly store: LicenseSql;

  constructor(deps: Pick<AppDeps, 'sequelize'>) {
    this.store = new LicenseSql(deps.sequelize);
  }

  /** Active and not past its end date; a trial counts. */
  async hasActiveLicense(userId: string, product: string): Promise<boolean> {
    const [row] = await this.store.rows<{ found: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM licenses WHERE user_id = :user AND product_id = :product
            AND status = 'active' AND (expires_at IS NULL OR expires_at > now())) AS found`,
      { user: userId, product },
    );
    return row!.found;
  }

  /**
   * One license by key; without a key, the seed's flat answer for the caller's
   * most recent license of `product`, with every other license in `licenses`.
   */
  async status(userId: string, query: { license_key?: string; product: string }): Promise<LicenseStatusResponse> {
    const licenses = await this.store.rows<LicenseRow>(
      `SELECT ${LICENSE_COLUMNS} FROM ${LICENSE_FROM}
        WHERE l.user_id = :user ${query.license_key ? 'AND l.license_key = :key' : ''}
        ORDER BY l.created_at DESC, l.id DESC LIMIT 100`,
      { user: userId, key: query.license_key ?? null },
    );
    const live = await this.liveActivations(licenses.map((l) => l.id));
    const statuses: LicenseStatus[] = licenses.map((l) => licenseStatus(l, live.filter((a) => a.license_id === l.id)));
    if (query.license_key !== undefined) {
      if (!statuses[0]) throw licenseNotFound();
      return statuses[0];
    }
    const latest = statuses.find((s) => s.product === query.product);
    if (!latest) throw licenseNotFound(`You have no license of ${query.product}.`);
    return { ...latest, licenses: statuses.filter((s) => s !== latest) };
  }

  async list(userId: string, query: PageQuery): Promise<LicenseList> {
    const cursor = keysetWhere(decodeCursor(query.cursor), 'l');
    const rows = await this.store.rows<LicenseRow & { activations_count: number }>(
      `SELECT ${LICENSE_COLUMNS},
              (SELECT count(*)::int FROM activations a WHERE a.license_id = l.id AND a.deactivated_at IS NULL) AS activations_count
         FROM ${LICENSE_FROM}
        WHERE l.user_id = :user AND ${cursor.sql}
        ORDER BY l.created_at DESC, l.id DESC LIMIT :limit`,
      { user: userId, limit: query.limit + 1, ...cursor.replacements },
    );
    const { items, next_cursor } = page(rows, query.limit);
    return { licenses: items.map(licenseSummary), next_cursor };
  }

  private liveActivations(licenseIds: string[]): Promise<ActivationRow[]> {
    if (!licenseIds.length) return Promise.resolve([]);
    return this.store.rows<ActivationRow>(
      `SELECT ${ACTIVATION_COLUMNS} FROM activations a
        WHERE a.license_id IN (:ids) AND a.deactivated_at IS NULL
        ORDER BY a.activated_at, a.id`,
      { ids: licenseIds },
    );
  }
}
