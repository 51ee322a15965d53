import { QueryTypes, type Sequelize } from 'sequelize';
import type {
  AdminActivation,
  AdminActivationListQuery,
  AdminGrantLicenseRequest,
  AdminLicense,
  AdminLicenseDetail,
  AdminLicenseListQuery,
  AdminUpdateLicenseRequest,
} from '@ngn/shared';
import { User } from '../../db/models';
import type { RequestMeta } from '../../lib/http/request-meta';
import { notFound } from '../../lib/errors';
import { decodeCursor, keysetWhere, page } from '../../lib/pagination';
import { licenseNotFound } from './errors';
import type { LicensesService } from './service';
import { ACTIVATION_COLUMNS, adminActivation, adminLicense, LICENSE_COLUMNS, LICENSE_FROM, type ActivationRow, type LicenseRow } from './rows';

type AdminLicenseRow = LicenseRow & { activations_count: number; user_email: string };
type AdminActivationRow = ActivationRow & { license_key: string; user_id: string };

const ADMIN_LICENSE_SELECT = `
  SELECT ${LICENSE_COLUMNS}, u.email AS user_email,
         (SELECT count(*)::int FROM activations a WHERE a.license_id = l.id AND a.deactivated_at IS NULL) AS activations_count
    FROM ${LICENSE_FROM} JOIN users u ON u.id = l.user_id`;

/** LIKE treats % and _ as wildcards; a search for them means the characters. */
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * What admins do with licenses: search and inspect (paginated), and the
 * changes that combine several service calls. Every change goes through
 * LicensesService, which audits it with the admin's id.
 */
export class LicenseAdminService {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly licenses: LicensesService,
  ) {}

  async grant(input: AdminGrantLicenseRequest, actorUserId: string, meta: RequestMeta): Promise<AdminLicenseDetail> {
    const user = input.user_id ? await User.findByPk(input.user_id) : await User.findOne({ where: { email: input.email! } });
    if (!user || user.status === 'deleted') throw notFound('User', 'user_not_found');
    const issued = await this.licenses.issue({
      userId: user.id,
      product: input.product,
      policy: input.policy,
      source: { type: 'admin' },
      ...(input.expires_at !== undefined ? { expiresAt: input.expires_at === null ? null : new Date(input.expires_at) } : {}),
      actorUserId,
      reason: input.reason,
      meta,
    });
    return this.getLicense(issued.id);
  }

  /** Extends (or shortens) the end date and/or changes the seat count, in one transaction. */
  async update(id: string, input: AdminUpdateLicenseRequest, actorUserId: string, meta: RequestMeta): Promise<AdminLicenseDetail> {
    await this.sequelize.transaction(async (transaction) => {
      const opts = { actorUserId, meta, reason: input.reason, transaction };
      if (input.expires_at !== undefined) {
        await this.licenses.setExpiry(id, input.expires_at === null ? null : new Date(input.expires_at), opts);
      }
      if (input.max_activations !== undefined) await this.licenses.setMaxActivations(id, input.max_activations, opts);
    });
    return this.getLicense(id);
  }

  async listLicenses(query: AdminLicenseListQuery): Promise<{ licenses: AdminLicense[]; next_cursor: string | null }> {
    const cursor = keysetWhere(decodeCursor(query.cursor), 'l');
    const filters = [cursor.sql];
    const replacements: Record<string, unknown> = { ...cursor.replacements, limit: query.limit + 1 };
    if (query.q) {
      // A key (or its start) is matched on the key; anything else on the owner's email.
      if (/^NG-/i.test(query.q)) filters.push(`l.license_key LIKE :key_prefix`);
      else filters.push(`u.email ILIKE :email_part`);
      replacements.key_prefix = `${escapeLike(query.q.toUpperCase())}%`;
      replacements.email_part = `%${escapeLike(query.q)}%`;
    }
    if (query.user_id) filters.push('l.user_id = :user_id');
    if (query.product) filters.push('l.product_id = :product');
    if (query.status) filters.push('l.status = :status');
    const rows = await this.sequelize.query<AdminLicenseRow>(
      `${ADMIN_LICENSE_SELECT} WHERE ${filters.join(' AND ')} ORDER BY l.created_at DESC, l.id DESC LIMIT :limit`,
      { replacements: { ...replacements, user_id: query.user_id, product: query.product, status: query.status }, type: QueryTypes.SELECT },
    );
    const { items, next_cursor } = page(rows, query.limit);
    return { licenses: items.map(adminLicense), next_cursor };
  }

  async getLicense(id: string): Promise<AdminLicenseDetail> {
    const [row] = await this.sequelize.query<AdminLicenseRow>(`${ADMIN_LICENSE_SELECT} WHERE l.id = :id`, {
      replacements: { id },
      type: QueryTypes.SELECT,
    });
    if (!row) throw licenseNotFound();
    const activations = await this.sequelize.query<AdminActivationRow>(
      `SELECT ${ACTIVATION_COLUMNS}, l.license_key, l.user_id FROM activations a JOIN licenses l ON l.id = a.license_id
        WHERE a.license_id = :id ORDER BY a.created_at DESC, a.id DESC LIMIT 200`,
      { replacements: { id }, type: QueryTypes.SELECT },
    );
    return { ...adminLicense(row), activations: activations.map(adminActivation) };
  }

  async listActivations(query: AdminActivationListQuery): Promise<{ activations: AdminActivation[]; next_cursor: string | null }> {
    const cursor = keysetWhere(decodeCursor(query.cursor), 'a');
    const filters = [cursor.sql];
    if (query.license_id) filters.push('a.license_id = :license_id');
    if (query.user_id) filters.push('l.user_id = :user_id');
    if (query.fingerprint) filters.push('a.fingerprint = :fingerprint');
    if (query.state === 'live') filters.push('a.deactivated_at IS NULL');
    if (query.state === 'stale') filters.push('a.stale_at IS NOT NULL');
    if (query.state === 'deactivated') filters.push('a.deactivated_at IS NOT NULL');
    const rows = await this.sequelize.query<AdminActivationRow>(
      `SELECT ${ACTIVATION_COLUMNS}, l.license_key, l.user_id FROM activations a JOIN licenses l ON l.id = a.license_id
        WHERE ${filters.join(' AND ')} ORDER BY a.created_at DESC, a.id DESC LIMIT :limit`,
      {
        replacements: {
          ...cursor.replacements,
          limit: query.limit + 1,
          license_id: query.license_id,
          user_id: query.user_id,
          fingerprint: query.fingerprint,
        },
        type: QueryTypes.SELECT,
      },
    );
    const { items, next_cursor } = page(rows, query.limit);
    return { activations: items.map(adminActivation), next_cursor };
  }
}
