import { QueryTypes, type Transaction } from 'sequelize';
import type { AdminReleaseListQuery, Release as ReleaseView, ReleaseList, UpdateReleaseRequest } from '@ngn/shared';
import type { AppDeps } from '../../context';
import { audit } from '../../db/audit';
import { Release } from '../../db/models';
import { notFound } from '../../lib/errors';
import type { RequestMeta } from '../../lib/http/request-meta';
import { decodeCursor, keysetWhere, page } from '../../lib/pagination';
import { toReleaseView } from './release-rows';

/** The admin catalog: every release, yanked ones too, and the changes allowed after publication. */
export class ReleaseCatalog {
  constructor(private readonly deps: AppDeps) {}

  async list(query: AdminReleaseListQuery): Promise<ReleaseList> {
    const where = keysetWhere(decodeCursor(query.cursor));
    const rows = await this.deps.sequelize.query<Release>(
      `SELECT * FROM releases
        WHERE ${where.sql}
          AND (:product::text IS NULL OR product = :product)
          AND (:platform::text IS NULL OR platform = :platform)
          AND (:channel::text IS NULL OR channel = :channel)
          AND (:include_yanked OR yanked_at IS NULL)
        ORDER BY created_at DESC, id DESC LIMIT :limit`,
      {
        replacements: {
          ...where.replacements,
          product: query.product ?? null,
          platform: query.platform ?? null,
          channel: query.channel ?? null,
          include_yanked: query.include_yanked,
          limit: query.limit + 1,
        },
        type: QueryTypes.SELECT,
        model: Release,
        mapToModel: true,
      },
    );
    const { items, next_cursor } = page(rows, query.limit);
    return { releases: items.map(toReleaseView), next_cursor };
  }

  async get(id: string): Promise<ReleaseView> {
    const row = await Release.findByPk(id);
    if (!row) throw notFound('Release');
    return toReleaseView(row);
  }

  /** Notes, date, minimum OS and rollout can change; the file and what was signed cannot. */
  async update(id: string, patch: UpdateReleaseRequest, actorUserId: string, meta: RequestMeta): Promise<ReleaseView> {
    return this.change(id, actorUserId, meta, 'release.updated', async (row, transaction) => {
      const changes = {
        ...(patch.release_notes !== undefined ? { release_notes: patch.release_notes } : {}),
        ...(patch.release_date !== undefined ? { release_date: new Date(patch.release_date) } : {}),
        ...(patch.min_os_version !== undefined ? { min_os_version: patch.min_os_version } : {}),
        ...(patch.staging_percentage !== undefined ? { staging_percentage: patch.staging_percentage } : {}),
      };
      await row.update(changes, { transaction });
      return { changed: Object.keys(changes), staging_percentage: row.staging_percentage };
    });
  }

  /** Withdraws a release from downloads and the update feed; its row and file stay for the record. */
  async yank(id: string, reason: string | undefined, actorUserId: string, meta: RequestMeta): Promise<ReleaseView> {
    return this.change(id, actorUserId, meta, 'release.yanked', async (row, transaction) => {
      if (!row.yanked_at) await row.update({ yanked_at: new Date(), yank_reason: reason ?? null }, { transaction });
      return { reason: reason ?? null };
    });
  }

  async unyank(id: string, actorUserId: string, meta: RequestMeta): Promise<ReleaseView> {
    return this.change(id, actorUserId, meta, 'release.unyanked', async (row, transaction) => {
      if (row.yanked_at) await row.update({ yanked_at: null, yank_reason: null }, { transaction });
      return {};
    });
  }

  private async change(
    id: string,
    actorUserId: string,
    meta: RequestMeta,
    action: string,
    apply: (row: Release, transaction: Transaction) => Promise<Record<string, unknown>>,
  ): Promise<ReleaseView> {
    return this.deps.sequelize.transaction(async (transaction) => {
      const row = await Release.findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
      if (!row) throw notFound('Release');
      const details = await apply(row, transaction);
      await audit(
        { action, actorUserId, targetType: 'release', targetId: row.id, metadata: { product: row.product, version: row.version, platform: row.platform, channel: row.channel, ...details } },
        meta,
        transaction,
      );
      return toReleaseView(row);
    });
  }
}
