import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TokenFileEnvironment } from '@ngn/shared';
import { CompanionCore } from '../../src/core/companion-core';
import type { CompanionCoreOptions } from '../../src/core/companion-options';
import { CredentialStore } from '../../src/core/credential-store';
import { consoleLogger } from '../../src/core/logger';
import type { InstallResult } from '../../src/contract/models';

export const testLogger = consoleLogger(process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'silent', 'companion-test');

/** Where one test companion keeps everything: its own folders and its own keychain service. */
export interface CompanionPlace {
  dir: string;
  dataDir: string;
  installDir: string;
  keychainService: string;
  tokenEnv: TokenFileEnvironment;
}

export async function companionPlace(): Promise<CompanionPlace> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ngn-companion-'));
  return {
    dir,
    dataDir: path.join(dir, 'data'),
    installDir: path.join(dir, 'installers'),
    // A service of its own, so parallel tests and a developer's real keychain never mix.
    keychainService: `NextGen Noise Companion test ${randomBytes(6).toString('hex')}`,
    // Token files go under the test folder, through the same per-OS rule as in the app.
    tokenEnv: { platform: process.platform, env: { XDG_DATA_HOME: path.join(dir, 'xdg'), APPDATA: path.join(dir, 'appdata') }, homedir: path.join(dir, 'home') },
  };
}

/** Installers are never run by tests: the launcher records what it was handed. */
export const launched: Array<{ file: string; platform: string }> = [];
const recordLaunch = async (file: string, platform: string): Promise<InstallResult> => {
  launched.push({ file, platform });
  return { action: 'revealed', path: file };
};

/** The real core against `apiUrl` (a restart is another call with the same place). */
export function openCompanion(place: CompanionPlace, apiUrl: string, extra: Partial<CompanionCoreOptions> = {}): Promise<CompanionCore> {
  return CompanionCore.create({
    dataDir: place.dataDir,
    appVersion: '0.1.0',
    transport: 'bridge',
    apiUrl,
    installDir: place.installDir,
    keychainService: place.keychainService,
    tokenFileEnvironment: place.tokenEnv,
    logger: testLogger,
    launcher: recordLaunch,
    downloader: { progressIntervalMs: 0, retries: 0, backoffMs: 10 },
    ...extra,
  });
}

/** Removes the place's folders and every keychain entry it made. */
export async function removePlace(place: CompanionPlace): Promise<void> {
  await new CredentialStore(place.keychainService).wipe().catch(() => undefined);
  await rm(place.dir, { recursive: true, force: true });
}
