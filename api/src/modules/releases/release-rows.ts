import { createHash } from 'node:crypto';
import type { Release as ReleaseView, ReleaseChannel } from '@ngn/shared';
import type { Release } from '../../db/models';
import type { AuthUser } from '../../lib/http/route-spec';

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
