/**
 * What the companion's UI sees: plain JSON shapes, snake_case like the API.
 * Shapes that come straight from the API keep the API's own types from `shared/`.
 */
import type {
  ActivationSummary,
  DownloadInfo,
  LicenseType,
  ReleasePlatform,
  TokenVerdictCode,
  UserProfile,
} from '@ngn/shared';
import type { SerializedError } from './errors';
import type { UpdateChannel } from './settings';

export type Transport = 'electron' | 'bridge';

export interface AppInfo {
  version: string;
  /** Node's platform name: win32, darwin, linux. */
  platform: string;
  arch: string;
  /** The release platform this machine downloads (null where no plugin build exists). */
  release_platform: ReleasePlatform | null;
  os: string;
  machine_name: string;
  transport: Transport;
  data_dir: string;
  /** The folder where the plugin reads activation tokens. */
  token_dir: string;
}

export interface AuthState {
  signed_in: boolean;
  /** Null while signed out or before the profile could be loaded (offline). */
  user: UserProfile | null;
  online: boolean;
}

/** One product activated on this machine, as its stored token says. */
export interface ProductActivation {
  product: string;
  activation_id: string;
  license_id: string;
  license_type: LicenseType;
  policy: string;
  entitlements: string[];
  /** End of the offline grace; the companion refreshes it while online. */
  token_expires_at: string;
  license_expires_at: string | null;
  /** Where the plugin reads the token. */
  token_file: string;
  /** The offline check the plugin would make right now. */
  verdict: TokenVerdictCode;
}

export interface ActivationState {
  /** This machine's fingerprint (a hash: the raw machine id never leaves the machine). */
  fingerprint: string;
  machine_name: string;
  activations: ProductActivation[];
  last_heartbeat_at: string | null;
  /** Why the last heartbeat failed, e.g. offline; cleared by the next success. */
  last_error: SerializedError | null;
}

export type ActivateResult =
  | {
      status: 'activated';
      activation: ProductActivation;
      max_activations: number;
      activations_remaining: number;
      /** This machine already had a seat: none was used. */
      already_active: boolean;
      /** This install took over the seat of an earlier install of the same machine. */
      rebound: boolean;
    }
  | {
      /** Every seat is taken: offer these machines to free one, then activate again. */
      status: 'max_activations_reached';
      message: string;
      max_activations: number;
      activations: ActivationSummary[];
    };

export type DownloadStatus = 'queued' | 'downloading' | 'paused' | 'verifying' | 'completed' | 'failed';

export interface DownloadState {
  id: string;
  status: DownloadStatus;
  /** Bytes on disk so far. */
  bytes: number;
  total: number | null;
  speed_bps: number;
  eta_seconds: number | null;
  /** Bytes fetched in this run (after a resume, only the missing part). */
  transferred: number;
  /** Where this run started (0 unless resumed). */
  resumed_from: number;
  /** The finished file's path. */
  path: string;
  error: { code: string; message: string } | null;
  /** product, version, platform of a plugin download. */
  meta: Record<string, unknown>;
}

export interface InstalledPlugin {
  product: string;
  version: string;
  platform: ReleasePlatform;
  installed_at: string;
  /** The verified installer that was handed to the OS. */
  file: string;
}

export interface PluginsState {
  platform: ReleasePlatform | null;
  installed: InstalledPlugin[];
  /** Newest release for this platform and channel, when known. */
  latest: DownloadInfo | null;
  update_available: boolean;
  downloads: DownloadState[];
}

export interface InstallResult {
  /** launched: the OS installer was started; revealed: the file is kept and shown (Linux). */
  action: 'launched' | 'revealed';
  path: string;
}

export type UpdateState = 'unsupported' | 'idle' | 'checking' | 'available' | 'not_available' | 'downloading' | 'downloaded' | 'error';

/** The companion's own updates (electron-updater); `unsupported` in the browser bridge. */
export interface UpdateStatus {
  state: UpdateState;
  channel: UpdateChannel;
  current_version: string;
  available_version: string | null;
  percent: number | null;
  error: string | null;
}

/** A `nextgennoise://` link the OS handed to the companion. */
export interface DeepLink {
  url: string;
  /** e.g. `checkout/success` for nextgennoise://checkout/success?session_id=... */
  route: string;
  params: Record<string, string>;
}

export interface TelemetryStatus {
  enabled: boolean;
  pending: number;
  dropped: number;
  sent: number;
  next_attempt_at: string | null;
}
