import type { ReleasePlatform } from '@ngn/shared';
import type { UpdateInfo } from 'builder-util-runtime';
import { stringify } from 'yaml';
import type { Release } from '../../db/models';

/** electron-updater's channel file for each platform (generic provider, default "latest" channel file). */
export const FEED_PLATFORM: Record<'latest.yml' | 'latest-mac.yml' | 'latest-linux.yml', ReleasePlatform> = {
  'latest.yml': 'windows',
  'latest-mac.yml': 'macos',
  'latest-linux.yml': 'linux',
};

/**
 * Where a stored artifact is served, relative to the channel's base URL.
 * The version is a path segment because electron-updater finds the blockmap
 * of the installed version by replacing the new version with the old one in
 * the new file's URL; this layout keeps that substitution valid.
 */
export function artifactPath(r: Pick<Release, 'platform' | 'version' | 'file_name'>): string {
  return `${r.platform}/${r.version}/${encodeURIComponent(r.file_name)}`;
}

/**
 * The channel file electron-builder would have written for this release
 * (`UpdateInfo`): files with sha512 (base64) and size, the deprecated top-level
 * path/sha512 that older updaters read, and the optional fields only when set.
 */
export function updateInfoFor(r: Release): UpdateInfo & { signature: string; signature_kid: string } {
  const url = r.external_url ?? artifactPath(r);
  const sha512 = r.sha512!; // required for companion releases when they are published
  const info = {
    version: r.version,
    files: [{ url, sha512, size: Number(r.file_size) }],
    path: url,
    sha512,
    releaseDate: r.release_date.toISOString(),
    ...(r.release_notes ? { releaseNotes: r.release_notes } : {}),
    ...(r.staging_percentage < 100 ? { stagingPercentage: r.staging_percentage } : {}),
    ...(r.min_os_version ? { minimumSystemVersion: r.min_os_version } : {}),
    // The publisher's release signature: the Companion checks the downloaded update against its pinned keyset before installing.
    signature: r.signature,
    signature_kid: r.signature_kid,
  };
  return info;
}

export function renderFeed(r: Release): string {
  return stringify(updateInfoFor(r), { lineWidth: 0 });
}
