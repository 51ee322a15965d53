import type { AppDeps } from '../../context';
import { AppError } from '../../lib/errors';
import { ReleaseCatalog } from './catalog';
import { ReleaseKeysetFile } from './keyset';
import { LiveReleases } from './live-releases';
import { ReleasePublishing } from './publishing';

export { inRollout } from './release-rows';
export type { ReleaseUpload } from './publishing';

/**
 * The releases module's one door, as the licenses module has: publishing
 * (uploads and external files), the admin catalog, and the live releases that
 * downloads and the update feed read.
 */
export class ReleasesService {
  readonly publishing: ReleasePublishing;
  readonly catalog: ReleaseCatalog;
  readonly live: LiveReleases;
  private readonly keyset: ReleaseKeysetFile;

  constructor(deps: AppDeps) {
    this.keyset = new ReleaseKeysetFile(deps.config.releaseKeysetFile);
    this.publishing = new ReleasePublishing(deps, this.keyset);
    this.catalog = new ReleaseCatalog(deps);
    this.live = new LiveReleases(deps);
  }

  /** The root-signed keyset, byte for byte (the Companion verifies it against its pinned root). */
  async keysetDocument(): Promise<string> {
    const raw = await this.keyset.raw();
    if (raw === null) throw new AppError(503, 'release_keyset_missing', 'No release keyset is installed yet.');
    return raw;
  }
}
