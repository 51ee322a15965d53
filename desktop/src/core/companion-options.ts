import type { RootPublicJwk, TokenFileEnvironment } from '@ngn/shared';
import type { Transport } from '../contract/models';
import type { InstallerLauncher } from './installer-manager';
import type { Logger } from './logger';

/** How a host (the Electron main process, the bridge, a test) opens the Companion's core. */
export interface CompanionCoreOptions {
  /** The app's private data folder (settings, queue, downloads state). */
  dataDir: string;
  appVersion: string;
  transport: Transport;
  /** Default API origin until the user changes it in settings. */
  apiUrl?: string;
  /** Where installers go by default. */
  installDir?: string;
  keychainService?: string;
  /** Where token files go (tests point it at a temp folder). */
  tokenFileEnvironment?: TokenFileEnvironment;
  logger?: Logger;
  launcher?: InstallerLauncher;
  heartbeatIntervalMs?: number;
  /** How often to look for a newer plugin (default 6 h). */
  pluginUpdateIntervalMs?: number;
  telemetry?: { maxEvents?: number; batchSize?: number; flushIntervalMs?: number; backoff?: { initialMs: number; maxMs: number } };
  downloader?: { progressIntervalMs?: number; retries?: number; backoffMs?: number };
  api?: { timeoutMs?: number; retries?: number; backoffMs?: number; probe?: { initialMs: number; maxMs: number } };
  /** Root keys a release keyset must be signed by; the build's pinned roots unless a development shell names its own. */
  releaseRoots?: readonly RootPublicJwk[];
}
