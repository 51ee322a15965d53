import { ANNOUNCE_JOB } from './announcements';
import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { QueryTypes, UniqueConstraintError, type Transaction } from 'sequelize';
import {
  compareSemver,
  ReleaseFileName,
  ReleaseMetadata,
  type AdminReleaseListQuery,
  type RegisterExternalReleaseRequest,
  type Release as ReleaseView,
  type ReleaseChannel,
  type ReleaseList,
  type ReleasePlatform,
  type ReleaseProduct,
  type UpdateReleaseRequest,
} from '@ngn/shared';
import type { AppDeps } from '../../context';
import { Release } from '../../db/models';
import { audit } from '../../db/audit';
import type { RequestMeta } from '../../lib/http/request-meta';
import { DigestStream, FileTooLargeError } from '../../lib/digest-stream';
import { AppError, badRequest, conflict, notFound, unprocessable } from '../../lib/errors';
import type { AuthUser } from '../../lib/http/route-spec';
import { parseOrThrow } from '../../lib/http/route';
import type { ServedFile } from '../../lib/http/send-file';
import { decodeCursor, keysetWhere, page } from '../../lib/pagination';
import { attachmentDisposition } from '../../lib/storage';
import { ReleaseKeysetFile } from './keyset';

/** Who publishes: an admin with a session, or an admin API key (acting for the admin who created it). */
export type Publisher = Pick<AuthUser, 'id' | 'apiKeyId'>;

export function toReleaseView(r: Release): ReleaseView {
  return {
    id: r.id,
    product: r.product,
    version: r.version,
    platform: r.platform,
    channel: r.channel,
    file_name: r.file_name,
    file_size: Number(r.file_size),
    checksum_sha256: r.sha256,
    checksum_sha512: r.sha512,
    signature: r.signature,
    signature_kid: r.signature_kid,
    source: r.storage_key ? 'upload' : 'external',
    external_url: r.external_url,
    blockmap_size: r.blockmap_size === null || r.blockmap_size === undefined ? null : Number(r.blockmap_size),
    release_notes: r.release_notes,
    release_date: r.release_date.toISOString(),
    min_os_version: r.min_os_version,
    staging_percentage: r.staging_percentage,
    yanked_at: r.yanked_at?.toISOString() ?? null,
    yank_reason: r.yank_reason ?? null,
    created_by: r.created_by,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

/** Channels a subscriber of `channel` receives: beta testers also get stable releases. */
export function channelsFor(channel: ReleaseChannel): ReleaseChannel[] {
  return channel === 'beta' ? ['beta', 'stable'] : ['stable'];
}

/**
 * Staged rollout for signed-in downloads: a user is in the first `percentage`
 * of a release's audience when a hash of (release, user) falls below it. Stable
 * per user and release, independent between releases.
 */
export function inRollout(release: Pick<Release, 'id' | 'staging_percentage'>, userId: string): boolean {
  if (release.staging_percentage >= 100) return true;
  const bucket = createHash('sha256').update(`${release.id}:${userId}`).digest().readUInt32BE(0) / 2 ** 32;
  return bucket * 100 < release.staging_percentage;
}

function lastPathSegment(url: string): string {
  const segment = new URL(url).pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a malformed escape: let the file-name rule refuse it
  }
}

interface StoredPart {
  key: string;
  size: number;
  sha256: string;
  sha512: string;
}

/**
 * One multipart upload in progress: the text fields are validated when the
 * first file part starts (so a bad request fails before gigabytes flow), each
 * file part streams to storage through a hashing pass-through, and `commit`
 * checks the publisher's signature against the streamed sha256 and records the release. `abort` removes whatever was stored.
 */
export class ReleaseUpload {
  private artifact: (StoredPart & { fileName: string }) | undefined;
  private blockmap: StoredPart | undefined;
  private readonly id = randomUUID();

  constructor(
    private readonly service: ReleasesService,
    private readonly deps: AppDeps,
    readonly metadata: ReleaseMetadata,
  ) {}

  private async store(key: string, stream: Readable): Promise<StoredPart> {
    const digest = new DigestStream(this.deps.config.releaseMaxUploadBytes);
    try {
      await Promise.all([this.deps.storage.put(key, digest, { contentType: 'application/octet-stream' }), pipeline(stream, digest)]);
    } catch (err) {
      await this.deps.storage.delete(key).catch(() => undefined);
      if (err instanceof FileTooLargeError) {
        throw new AppError(413, 'payload_too_large', `Release files are limited to ${Math.floor(err.maxBytes / 1048576)} MiB.`);
      }
      throw err;
    }
    const { size, sha256, sha512 } = digest.digests();
    if (size === 0) throw badRequest('invalid_upload', 'The file is empty.');
    return { key, size, sha256, sha512 };
  }

  /** The artifact part, named by its file name; must come before any blockmap part. */
  async storeArtifact(fileName: string, stream: Readable): Promise<void> {
    if (this.artifact) throw badRequest('invalid_upload', 'Send one file part.');
    const name = parseOrThrow(ReleaseFileName, fileName, 'file');
    this.artifact = { fileName: name, ...(await this.store(`releases/${this.id}/${name}`, stream)) };
  }

  /** electron-builder's .blockmap of the artifact, for differential updates of the companion. */
  async storeBlockmap(stream: Readable): Promise<void> {
    if (!this.artifact) throw badRequest('invalid_upload', 'Send the file part before the blockmap part.');
    if (this.blockmap) throw badRequest('invalid_upload', 'Send one blockmap part.');
    this.blockmap = await this.store(`releases/${this.id}/${this.artifact.fileName}.blockmap`, stream);
  }

  async commit(publisher: Publisher, meta: RequestMeta): Promise<ReleaseView> {
    const artifact = this.artifact;
    if (!artifact) throw badRequest('invalid_upload', 'The upload has no file part.');
    return this.service.record(
      {
        id: this.id,
        metadata: this.metadata,
        file_name: artifact.fileName,
        file_size: artifact.size,
        sha256: artifact.sha256,
        sha512: artifact.sha512,
        storage_key: artifact.key,
        external_url: null,
        blockmap: this.blockmap ? { key: this.blockmap.key, size: this.blockmap.size, sha256: this.blockmap.sha256 } : null,
      },
      publisher,
      meta,
    );
  }

  async abort(): Promise<void> {
    const keys = [this.artifact?.key, this.blockmap?.key].filter((k): k is string => !!k);
    await Promise.all(keys.map((k) => this.deps.storage.delete(k).catch(() => undefined)));
  }
}

interface NewRelease {
  id: string;
  metadata: ReleaseMetadata;
  file_name: string;
  file_size: number;
  sha256: string;
  sha512: string | null;
  storage_key: string | null;
  external_url: string | null;
  blockmap: { key: string; size: number; sha256: string } | null;
}

export class ReleasesService {
  private readonly keyset: ReleaseKeysetFile;

  constructor(private readonly deps: AppDeps) {
    this.keyset = new ReleaseKeysetFile(deps.config.releaseKeysetFile);
  }

  // ---- publishing (admin) ----

  /** Starts an upload once its text fields are known; fails early on bad fields or a taken version. */
  async beginUpload(fields: Record<string, string>): Promise<ReleaseUpload> {
    const metadata = parseOrThrow(ReleaseMetadata, fields, 'body');
    await this.assertVersionFree(metadata);
    return new ReleaseUpload(this, this.deps, metadata);
  }

  async registerExternal(input: RegisterExternalReleaseRequest, publisher: Publisher, meta: RequestMeta): Promise<ReleaseView> {
    const { external_url, file_name, file_size, checksum_sha256, checksum_sha512, ...metadata } = input;
    const name = file_name ?? ReleaseFileName.safeParse(lastPathSegment(external_url)).data;
    if (!name) throw badRequest('validation_failed', 'The URL does not end in a usable file name: send file_name.');
    await this.assertVersionFree(metadata);
    return this.record(
      {
        id: randomUUID(),
        metadata,
        file_name: name,
        file_size,
        sha256: checksum_sha256,
        sha512: checksum_sha512 ?? null,
        storage_key: null,
        external_url,
        blockmap: null,
      },
      publisher,
      meta,
    );
  }

  private async assertVersionFree(m: Pick<ReleaseMetadata, 'product' | 'platform' | 'channel' | 'version'>): Promise<void> {
    const taken = await Release.count({ where: { product: m.product, platform: m.platform, channel: m.channel, version: m.version } });
    if (taken) throw this.versionTaken(m);
  }

  private versionTaken(m: Pick<ReleaseMetadata, 'product' | 'platform' | 'channel' | 'version'>): AppError {
    return conflict('release_exists', `${m.product} ${m.version} for ${m.platform} (${m.channel}) is already published. Publish a new version.`);
  }

  /** Verifies the publisher's signature and inserts a release whose bytes are in place; used by uploads and external registrations. */
  async record(r: NewRelease, publisher: Publisher, meta: RequestMeta): Promise<ReleaseView> {
    const m = r.metadata;
    // The companion's update feed cannot list a file without its sha512.
    if (m.product === 'companion' && !r.sha512) throw unprocessable('sha512_required', 'Companion releases need checksum_sha512 for the update feed.');
    // The publisher signed offline; the API only checks that a delegated key did, over the sha256 it computed itself.
    await this.keyset.assertSigned({ sha256: r.sha256, product: m.product, version: m.version, platform: m.platform }, { kid: m.signature_kid, value: m.signature });
    try {
      return await this.deps.sequelize.transaction(async (transaction) => {
        const row = await Release.create(
          {
            id: r.id,
            product: m.product,
            version: m.version,
            platform: m.platform,
            channel: m.channel,
            file_name: r.file_name,
            file_size: r.file_size,
            sha256: r.sha256,
            sha512: r.sha512,
            signature: m.signature,
            signature_kid: m.signature_kid,
            storage_key: r.storage_key,
            external_url: r.external_url,
            blockmap_key: r.blockmap?.key ?? null,
            blockmap_size: r.blockmap?.size ?? null,
            blockmap_sha256: r.blockmap?.sha256 ?? null,
            release_notes: m.release_notes,
            release_date: m.release_date ? new Date(m.release_date) : new Date(),
            min_os_version: m.min_os_version ?? null,
            staging_percentage: m.staging_percentage,
            created_by: publisher.id,
            created_by_api_key_id: publisher.apiKeyId ?? null,
          },
          { transaction },
        );
        await audit(
          {
            action: 'release.published',
            actorUserId: publisher.id,
            targetType: 'release',
            targetId: row.id,
            metadata: { product: m.product, version: m.version, platform: m.platform, channel: m.channel, sha256: r.sha256, api_key_id: publisher.apiKeyId ?? null },
          },
          meta,
          transaction,
        );
        // Users who asked for news of new versions hear of it once the publication commits.
        await this.deps.jobs.send(ANNOUNCE_JOB, { release_id: row.id }, { transaction });
        return toReleaseView(row);
      });
    } catch (err) {
      if (err instanceof UniqueConstraintError) throw this.versionTaken(m); // lost a race with a concurrent publication
      throw err;
    }
  }

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

  /** The root-signed keyset, byte for byte (the Companion verifies it against its pinned root). */
  async keysetDocument(): Promise<string> {
    const raw = await this.keyset.raw();
    if (raw === null) throw new AppError(503, 'release_keyset_missing', 'No release keyset is installed yet.');
    return raw;
  }

  // ---- reading (downloads and the update feed) ----

  /** Live (not yanked) releases of a product for a channel's subscribers, newest version first. */
  async liveByVersion(product: ReleaseProduct, platform: ReleasePlatform, channel: ReleaseChannel): Promise<Release[]> {
    const rows = await Release.findAll({ where: { product, platform, channel: channelsFor(channel), yanked_at: null } });
    return rows.sort((a, b) => compareSemver(b.version, a.version) || (a.channel === channel ? -1 : 1));
  }

  /**
   * Live versions (all their artifacts together), newest upload first, one
   * keyset page of versions at a time: a version never straddles two pages.
   */
  async liveVersionPage(
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

  async findLive(id: string): Promise<Release> {
    const row = await Release.findOne({ where: { id, yanked_at: null } });
    if (!row) throw notFound('Release');
    return row;
  }

  /**
   * A live stored artifact, or its blockmap, by the names in its feed URL. A
   * beta subscriber may be fetching a stable release (or the blockmap of the
   * stable version installed), so the channel's whole audience is searched.
   */
  async findLiveFile(
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
