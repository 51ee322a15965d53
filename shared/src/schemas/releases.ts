import { z } from 'zod';
import { isSemver } from '../semver';
import { IsoDateTime, NextCursor, PageQuery, Uuid } from './common';

/** What can be released: the plugin (needs a license to download) and the companion app (free). */
export const ReleaseProduct = z.enum(['mixing_mentor', 'companion']);
export type ReleaseProduct = z.infer<typeof ReleaseProduct>;

export const ReleasePlatform = z.enum(['windows', 'macos', 'linux']);
export type ReleasePlatform = z.infer<typeof ReleasePlatform>;

/** `beta` subscribers also get stable releases that are newer than the newest beta. */
export const ReleaseChannel = z.enum(['stable', 'beta']);
export type ReleaseChannel = z.infer<typeof ReleaseChannel>;

export const ReleaseVersion = z
  .string()
  .trim()
  .max(64)
  .refine(isSemver, { message: 'Use a semantic version such as 1.2.0 or 1.3.0-beta.1.' });

export const Sha256Hex = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{64}$/, { message: 'A sha256 is 64 hex digits.' });

/** electron-builder's format: the 64-byte digest in standard, padded base64. */
export const Sha512Base64 = z.string().trim().regex(/^[A-Za-z0-9+/]{86}==$/, { message: 'A sha512 is 88 characters of base64.' });

/** A plain file name: no folders, no leading dot, so it is safe in a URL path and a Content-Disposition. */
export const ReleaseFileName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+ -]*$/, { message: 'Use letters, digits, spaces and . _ + - only.' })
  .refine((n) => !n.endsWith('.blockmap'), { message: 'Upload the artifact itself; its .blockmap goes in the blockmap part.' });

export const ReleaseNotes = z.string().max(20_000);
/** 0 pauses a rollout, 100 gives the release to everyone. */
export const StagingPercentage = z.coerce.number().int().min(0).max(100);
export const MinOsVersion = z.string().trim().min(1).max(50).regex(/^[0-9A-Za-z._ -]+$/);

/** "true"/"false" in a query string. */
const QueryFlag = z.enum(['true', 'false']).transform((v) => v === 'true');

/**
 * What describes a release besides its file. Sent as the text fields of the
 * multipart upload (before the file part) or inside the JSON body of an
 * external release.
 */
export const ReleaseMetadata = z.strictObject({
  product: ReleaseProduct,
  version: ReleaseVersion,
  platform: ReleasePlatform,
  channel: ReleaseChannel.default('stable'),
  release_notes: ReleaseNotes.default(''),
  /** Defaults to the time of publication. */
  release_date: IsoDateTime.optional(),
  min_os_version: MinOsVersion.optional(),
  staging_percentage: StagingPercentage.default(100),
  /** The publisher's Ed25519 signature (base64url) over releaseSignaturePayload, made with a delegated release key. */
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'A base64url Ed25519 signature (86 characters).'),
  /** The kid of the release key in the current keyset that made `signature`. */
  signature_kid: z.string().min(1).max(64),
});
export type ReleaseMetadata = z.output<typeof ReleaseMetadata>;

/** A release whose file lives elsewhere (a CDN): the publisher signs the checksum it vouches for. */
export const RegisterExternalReleaseRequest = ReleaseMetadata.extend({
  external_url: z.url({ protocol: /^https?$/, message: 'Use an http(s) URL.' }).max(2000),
  /** Defaults to the last segment of the URL's path. */
  file_name: ReleaseFileName.optional(),
  file_size: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  checksum_sha256: Sha256Hex,
  /** Required for the companion, whose update feed carries it. */
  checksum_sha512: Sha512Base64.optional(),
});
export type RegisterExternalReleaseRequest = z.output<typeof RegisterExternalReleaseRequest>;

export const Release = z.object({
  id: Uuid,
  product: ReleaseProduct,
  version: z.string(),
  platform: ReleasePlatform,
  channel: ReleaseChannel,
  file_name: z.string(),
  file_size: z.number().int(),
  checksum_sha256: z.string(),
  checksum_sha512: z.string().nullable(),
  /** Ed25519 over the bytes of `releaseSignaturePayload` (shared/release-signature), base64url. */
  signature: z.string(),
  signature_kid: z.string(),
  source: z.enum(['upload', 'external']),
  external_url: z.string().nullable(),
  blockmap_size: z.number().int().nullable(),
  release_notes: z.string(),
  release_date: IsoDateTime,
  min_os_version: z.string().nullable(),
  staging_percentage: z.number().int(),
  yanked_at: IsoDateTime.nullable(),
  yank_reason: z.string().nullable(),
  created_by: Uuid.nullable(),
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
});
export type Release = z.infer<typeof Release>;

export const AdminReleaseListQuery = PageQuery.extend({
  product: ReleaseProduct.optional(),
  platform: ReleasePlatform.optional(),
  channel: ReleaseChannel.optional(),
  include_yanked: QueryFlag.default(false),
});
export type AdminReleaseListQuery = z.output<typeof AdminReleaseListQuery>;
export const ReleaseList = z.object({ releases: z.array(Release), next_cursor: NextCursor });
export type ReleaseList = z.infer<typeof ReleaseList>;

export const ReleaseParams = z.strictObject({ id: Uuid });

export const UpdateReleaseRequest = z
  .strictObject({
    release_notes: ReleaseNotes.optional(),
    release_date: IsoDateTime.optional(),
    min_os_version: MinOsVersion.nullable().optional(),
    staging_percentage: z.number().int().min(0).max(100).optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'Send at least one field to change.' });
export type UpdateReleaseRequest = z.output<typeof UpdateReleaseRequest>;

export const YankReleaseRequest = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() });

// ---- downloads (seed §3.8) ----

export const DownloadsLatestQuery = z.strictObject({
  platform: ReleasePlatform,
  product: ReleaseProduct.default('mixing_mentor'),
  channel: ReleaseChannel.default('stable'),
});
export type DownloadsLatestQuery = z.output<typeof DownloadsLatestQuery>;

export const DownloadsVersionsQuery = PageQuery.extend({
  product: ReleaseProduct.default('mixing_mentor'),
  platform: ReleasePlatform.optional(),
  channel: ReleaseChannel.default('stable'),
});
export type DownloadsVersionsQuery = z.output<typeof DownloadsVersionsQuery>;

/** One downloadable artifact, with the seed's field names plus what a verifier needs. */
export const DownloadInfo = z.object({
  product: ReleaseProduct,
  version: z.string(),
  platform: ReleasePlatform,
  channel: ReleaseChannel,
  file_name: z.string(),
  /** Short-lived signed link; ask again for a fresh one to resume after it expires. */
  download_url: z.url(),
  download_url_expires_at: IsoDateTime,
  file_size: z.number().int(),
  checksum_sha256: z.string(),
  checksum_sha512: z.string().nullable(),
  signature: z.string(),
  signature_kid: z.string(),
  release_notes: z.string(),
  release_date: IsoDateTime,
  min_os_version: z.string().nullable(),
});
export type DownloadInfo = z.infer<typeof DownloadInfo>;

/**
 * One version as the seed lists it (version, release_date and a link per
 * platform, null where that platform has no build), with every artifact's
 * checksums and signature for a verifier.
 */
export const DownloadVersion = z.object({
  version: z.string(),
  channel: ReleaseChannel,
  release_date: IsoDateTime,
  release_notes: z.string(),
  windows_url: z.url().nullable(),
  macos_url: z.url().nullable(),
  linux_url: z.url().nullable(),
  artifacts: z.array(DownloadInfo).min(1),
});
export type DownloadVersion = z.infer<typeof DownloadVersion>;

export const DownloadVersionList = z.object({ versions: z.array(DownloadVersion), next_cursor: NextCursor });
export type DownloadVersionList = z.infer<typeof DownloadVersionList>;

/** The query of a signed file link: unix expiry time and the HMAC over path and expiry. */
export const SignedFileQuery = z.object({
  expires: z.coerce.number().int().positive(),
  sig: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

// ---- companion update feed (electron-updater, generic provider) ----

export const UpdateFeedParams = z.strictObject({
  channel: ReleaseChannel,
  feed: z.enum(['latest.yml', 'latest-mac.yml', 'latest-linux.yml']),
});
export type UpdateFeedParams = z.output<typeof UpdateFeedParams>;

export const UpdateArtifactParams = z.strictObject({
  channel: ReleaseChannel,
  platform: ReleasePlatform,
  version: ReleaseVersion,
  file_name: z.string().min(1).max(220),
});
export type UpdateArtifactParams = z.output<typeof UpdateArtifactParams>;
