import type { DownloadInfo, DownloadsLatestQuery, DownloadsVersionsQuery, DownloadVersion, DownloadVersionList, ReleaseProduct } from '@ngn/shared';
import type { AppDeps } from '../../context';
import type { Release } from '../../db/models';
import { forbidden, notFound } from '../../lib/errors';
import type { AuthUser } from '../../lib/http/route-spec';
import type { ServedFile } from '../../lib/http/send-file';
import { UrlSigner } from '../../lib/signed-urls';
import type { LicensesService } from '../licenses/service';
import { inRollout, type ReleasesService } from '../releases/service';

/** Products anyone signed in may download; the others need an active license. */
const FREE_PRODUCTS: ReadonlySet<ReleaseProduct> = new Set(['companion']);
/** Staff download any product, to reproduce what a customer sees. */
const STAFF_ROLES: ReadonlySet<AuthUser['role']> = new Set(['admin', 'support']);

export function filePath(releaseId: string, fileName: string): string {
  return `/files/${releaseId}/${encodeURIComponent(fileName)}`;
}

/** A tampered link, or one whose query is missing or malformed. */
export const invalidLink = () => forbidden('This download link is not valid.', 'download_link_invalid');

export type SignedFileAnswer = { redirect: string } | { file: ServedFile };

/**
 * Who may download what, and the short-lived signed links that carry the
 * permission to the file route (which has no session: download managers and
 * installers follow a plain URL and resume it with Range).
 */
export class DownloadsService {
  private readonly signer: UrlSigner;

  constructor(
    private readonly deps: AppDeps,
    private readonly releases: ReleasesService,
    /** The licensing module owns the rule of what an active license is. */
    private readonly licenses: Pick<LicensesService, 'hasActiveLicense'>,
  ) {
    this.signer = new UrlSigner(deps.config.urlSigningSecret);
  }

  private async assertMayDownload(user: AuthUser, product: ReleaseProduct): Promise<void> {
    if (FREE_PRODUCTS.has(product) || STAFF_ROLES.has(user.role)) return;
    if (!(await this.licenses.hasActiveLicense(user.id, product))) {
      throw forbidden(`Downloading ${product} needs an active license of it (a trial counts).`, 'license_required');
    }
  }

  /** The newest live version the user's rollout bucket includes. */
  async latest(user: AuthUser, q: DownloadsLatestQuery): Promise<DownloadInfo> {
    await this.assertMayDownload(user, q.product);
    const rows = await this.releases.live.byVersion(q.product, q.platform, q.channel);
    const row = rows.find((r) => inRollout(r, user.id));
    if (!row) throw notFound(`A ${q.channel} release of ${q.product} for ${q.platform}`);
    return this.toDownloadInfo(row);
  }

  async versions(user: AuthUser, q: DownloadsVersionsQuery): Promise<DownloadVersionList> {
    await this.assertMayDownload(user, q.product);
    const { items, next_cursor } = await this.releases.live.versionPage(q, q);
    return { versions: items.map((v) => this.toDownloadVersion(v.version, v.channel, v.artifacts.map((r) => this.toDownloadInfo(r)))), next_cursor };
  }

  /** The seed's per-version entry: the newest artifact's date and notes, one link per platform. */
  private toDownloadVersion(version: string, channel: DownloadVersion['channel'], artifacts: DownloadInfo[]): DownloadVersion {
    const newest = artifacts.reduce((a, b) => (b.release_date > a.release_date ? b : a));
    const urlFor = (platform: DownloadInfo['platform']) => artifacts.find((a) => a.platform === platform)?.download_url ?? null;
    return {
      version,
      channel,
      release_date: newest.release_date,
      release_notes: newest.release_notes,
      windows_url: urlFor('windows'),
      macos_url: urlFor('macos'),
      linux_url: urlFor('linux'),
      artifacts,
    };
  }

  private toDownloadInfo(r: Release): DownloadInfo {
    const path = filePath(r.id, r.file_name);
    const { expires, sig } = this.signer.sign(path, this.deps.config.downloadUrlTtlSeconds);
    return {
      product: r.product,
      version: r.version,
      platform: r.platform,
      channel: r.channel,
      file_name: r.file_name,
      download_url: `${this.deps.config.publicUrl}${path}?expires=${expires}&sig=${sig}`,
      download_url_expires_at: new Date(expires * 1000).toISOString(),
      file_size: Number(r.file_size),
      checksum_sha256: r.sha256,
      checksum_sha512: r.sha512,
      signature: r.signature,
      signature_kid: r.signature_kid,
      release_notes: r.release_notes,
      release_date: r.release_date.toISOString(),
      min_os_version: r.min_os_version,
    };
  }

  /**
   * Checks a signed link and says how to answer it: stream the stored file, or
   * redirect (a file hosted elsewhere, or a presigned bucket URL that lives no
   * longer than the link did).
   */
  async resolveSignedFile(releaseId: string, fileName: string, expires: number, sig: string): Promise<SignedFileAnswer> {
    const verdict = this.signer.verify(filePath(releaseId, fileName), expires, sig);
    if (verdict === 'expired') throw forbidden('This download link has expired. Ask for a new one.', 'download_link_expired');
    if (verdict !== 'ok') throw invalidLink();
    const row = await this.releases.live.find(releaseId);
    if (row.file_name !== fileName) throw notFound('File');
    if (row.external_url) return { redirect: row.external_url };
    const remaining = Math.max(60, expires - Math.floor(Date.now() / 1000));
    const presigned = await this.deps.storage.presignedUrl(row.storage_key!, { expiresInSeconds: remaining, fileName: row.file_name });
    if (presigned) return { redirect: presigned };
    return { file: this.releases.live.servedFile(row, 'artifact') };
  }
}
