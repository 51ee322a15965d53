import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UniqueConstraintError } from 'sequelize';
import { ReleaseFileName, ReleaseMetadata, type RegisterExternalReleaseRequest, type Release as ReleaseView } from '@ngn/shared';
import type { AppDeps } from '../../context';
import { audit } from '../../db/audit';
import { Release } from '../../db/models';
import { DigestStream, FileTooLargeError } from '../../lib/digest-stream';
import { AppError, badRequest, conflict, unprocessable } from '../../lib/errors';
import type { RequestMeta } from '../../lib/http/request-meta';
import { parseOrThrow } from '../../lib/http/route';
import { ANNOUNCE_JOB } from './announcements';
import type { ReleaseKeysetFile } from './keyset';
import { toReleaseView, type Publisher } from './release-rows';

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
    private readonly publishing: ReleasePublishing,
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
    return this.publishing.record(
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

/** Publishing (admins and release pipelines): uploads, external files, the signature check and the announcement. */
export class ReleasePublishing {
  constructor(
    private readonly deps: AppDeps,
    private readonly keyset: ReleaseKeysetFile,
  ) {}

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
}
