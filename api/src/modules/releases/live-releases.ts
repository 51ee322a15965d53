import { QueryTypes } from 'sequelize';
import { compareSemver, type ReleaseChannel, type ReleasePlatform, type ReleaseProduct } from '@ngn/shared';
import type { AppDeps } from '../../context';
import { Release } from '../../db/models';
import { notFound } from '../../lib/errors';
import type { ServedFile } from '../../lib/http/send-file';
import { decodeCursor, keysetWhere, page } from '../../lib/pagination';
import { attachmentDisposition } from '../../lib/storage';
import { channelsFor } from './release-rows';

/** What downloads and the update feed read: live (not yanked) releases and their stored files. */
export class LiveReleases {
  constructor(private readonly deps: AppDeps) {}

  /** Live (not yanked) releases of a product for a channel's subscribers, newest version first. */
  async byVersion(product: ReleaseProduct, platform: ReleasePlatform, channel: ReleaseChannel): Promise<Release[]> {
    const rows = await Release.findAll({ where: { product, platform, channel: channelsFor(channel), yanked_at: null } });
    return rows.sort((a, b) => compareSemver(b.version, a.version) || (a.channel === channel ? -1 : 1));
  }

  /**
   * Live versions (all their artifacts together), newest upload first, one
   * keyset page of versions at a time: a version never straddles two pages.
   */
  async versionPage(
    filter: { product: ReleaseProduct; platform?: ReleasePlatform; channel: ReleaseChannel },
    pageQuery: { limit: number; cursor?: string },
  ): Promise<{ items: Array<{ version: string; channel: ReleaseChannel; artifacts: Release[] }>; next_cursor: string | null }> {
    const live = `yanked_at IS NULL AND product = :product AND channel IN (:channels) AND (:platform::text IS NULL OR platform = :platform)`;
    const where = keysetWhere(decodeCursor(pageQuery.cursor));
    const replacements = { product: filter.product, channels: channelsFor(filter.channel), platform: filter.platform ?? null };
    // The group's id is "version@channel", so the (created_at, id) cursor works as for rows.
    const groups = await this.deps.sequelize.query<{ version: string; channel: ReleaseChannel; created_at: Date; id: string }>(
      `SELECT * FROM (
         SELECT version, channel, max(created_at) AS created_at, version || '@' || channel AS id
           FROM releases WHERE ${live} GROUP BY version, channel
       ) g
        WHERE ${where.sql}
        ORDER BY created_at DESC, id DESC LIMIT :limit`,
      { replacements: { ...replacements, ...where.replacements, limit: pageQuery.limit + 1 }, type: QueryTypes.SELECT },
    );
    const { items, next_cursor } = page(groups, pageQuery.limit);
    if (!items.length) return { items: [], next_cursor };
    const artifacts = await this.deps.sequelize.query<Release>(
      `SELECT * FROM releases WHERE ${live} AND version || '@' || channel IN (:ids) ORDER BY platform`,
      { replacements: { ...replacements, ids: items.map((g) => g.id) }, type: QueryTypes.SELECT, model: Release, mapToModel: true },
    );
    return {
      items: items.map((g) => ({ version: g.version, channel: g.channel, artifacts: artifacts.filter((a) => a.version === g.version && a.channel === g.channel) })),
      next_cursor,
    };
  }

  async find(id: string): Promise<Release> {
    const row = await Release.findOne({ where: { id, yanked_at: null } });
    if (!row) throw notFound('Release');
    return row;
  }

  /**
   * A live stored artifact, or its blockmap, by the names in its feed URL. A
   * beta subscriber may be fetching a stable release (or the blockmap of the
   * stable version installed), so the channel's whole audience is searched.
   */
  async findFile(
    where: { product: ReleaseProduct; platform: ReleasePlatform; version: string; channel: ReleaseChannel },
    fileName: string,
  ): Promise<{ row: Release; part: 'artifact' | 'blockmap' }> {
    const rows = await Release.findAll({
      where: { product: where.product, platform: where.platform, version: where.version, channel: channelsFor(where.channel), yanked_at: null },
    });
    for (const row of rows.filter((r) => r.storage_key)) {
      if (row.file_name === fileName) return { row, part: 'artifact' };
      if (row.blockmap_key && `${row.file_name}.blockmap` === fileName) return { row, part: 'blockmap' };
    }
    throw notFound('Artifact');
  }

  /** The artifact (or its blockmap) of a stored release, ready for `sendFile`. */
  servedFile(row: Release, part: 'artifact' | 'blockmap'): ServedFile {
    const key = part === 'artifact' ? row.storage_key : row.blockmap_key;
    if (!key) throw notFound(part === 'artifact' ? 'File' : 'Blockmap');
    const size = Number(part === 'artifact' ? row.file_size : row.blockmap_size);
    const sha256 = part === 'artifact' ? row.sha256 : row.blockmap_sha256!;
    const fileName = part === 'artifact' ? row.file_name : `${row.file_name}.blockmap`;
    return {
      size,
      etag: `"${sha256}"`,
      lastModified: row.created_at,
      contentType: 'application/octet-stream',
      contentDisposition: attachmentDisposition(fileName),
      // Content under a URL never changes (versions are not reused), but a yank must take effect: revalidate.
      cacheControl: 'private, no-cache',
      open: (range) => this.deps.storage.read(key, range),
    };
  }
}
