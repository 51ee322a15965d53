import { Jwks, RootPublicJwk, activeReleaseKeys, verifyReleaseKeyset, verifyReleaseSignature, type ReleaseSignedFields } from '@ngn/shared';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CompanionError } from '../contract/errors';
import type { ApiClient } from './api-client';
import { readJsonFile, writeFileAtomic } from './atomic-file';
import PINNED_ROOTS from '../../release-roots.json' with { type: 'json' };

/**
 * The roots compiled into this build (desktop/release-roots.json, the public
 * keys printed by `npm run release-keys -- init`; each deployment commits its
 * own). An empty list trusts nothing: every release is refused.
 */
export const pinnedReleaseRoots: readonly RootPublicJwk[] = PINNED_ROOTS as RootPublicJwk[];

/**
 * The roots a development shell trusts: the pinned ones plus the demo's
 * development root named by NGN_DEV_RELEASE_ROOT (a root.pub.json). Only the
 * browser bridge and an unpackaged Electron call this; a packaged build pins.
 */
export function developmentReleaseRoots(env: NodeJS.ProcessEnv = process.env): readonly RootPublicJwk[] {
  const file = env.NGN_DEV_RELEASE_ROOT;
  if (!file) return pinnedReleaseRoots;
  return [...pinnedReleaseRoots, RootPublicJwk.parse(JSON.parse(readFileSync(file, 'utf8')))];
}

/** Why a keyset or a release was refused, as a telemetry event and a message to the user. */
export interface TrustRefusal {
  kind: 'keyset' | 'release';
  reason: string;
  message: string;
}

export interface ReleaseTrustOptions {
  api: ApiClient;
  dataDir: string;
  roots: readonly RootPublicJwk[];
  onRefused: (refusal: TrustRefusal) => void;
}

const Stored = z.object({ document: z.unknown() });

const KEYSET_MESSAGES: Record<string, string> = {
  malformed: 'The server sent a list of release keys that cannot be read, so no download can be checked. Nothing was installed.',
  unknown_root: 'The server sent release keys that NextGen Noise did not sign. Nothing from this server will be installed.',
  bad_signature: 'The server sent release keys with a broken signature. Nothing from this server will be installed.',
  rolled_back: 'The server sent an older list of release keys than this Companion already has (keys may have been revoked since). Nothing was installed.',
};

/**
 * Which release keys the Companion trusts: the keyset the API serves, accepted
 * only when a pinned root signed it and its version is not lower than the last
 * accepted one (kept in the data folder, so a server cannot roll it back to a
 * revoked key). A refused keyset is never stored; the last good one stays.
 */
export class ReleaseTrust {
  private accepted: { version: number; document: unknown } | null = null;
  private loaded = false;

  constructor(private readonly opts: ReleaseTrustOptions) {}

  private get storePath(): string {
    return path.join(this.opts.dataDir, 'release-keyset.json');
  }

  private async lastAccepted(): Promise<{ version: number; document: unknown } | null> {
    if (this.loaded) return this.accepted;
    this.loaded = true;
    const stored = Stored.safeParse(await readJsonFile(this.storePath));
    if (stored.success) {
      // Re-checked: the file sits on disk, where anything could have edited it.
      const verdict = await verifyReleaseKeyset(stored.data.document, this.opts.roots, 0);
      if (verdict.ok) this.accepted = { version: verdict.keyset.version, document: stored.data.document };
    }
    return this.accepted;
  }

  /** Verifies `document` (a keyset from the server) and makes it the trusted one; throws in plain words otherwise. */
  async accept(document: unknown): Promise<Jwks> {
    const last = await this.lastAccepted();
    const verdict = await verifyReleaseKeyset(document, this.opts.roots, last?.version ?? 0);
    if (!verdict.ok) {
      const message = KEYSET_MESSAGES[verdict.reason]!;
      this.opts.onRefused({ kind: 'keyset', reason: verdict.reason, message });
      throw new CompanionError('keyset_invalid', message);
    }
    if (!last || verdict.keyset.version > last.version) {
      this.accepted = { version: verdict.keyset.version, document };
      await writeFileAtomic(this.storePath, JSON.stringify({ document }));
    }
    return activeReleaseKeys(verdict.keyset, new Date());
  }

  /** The keys to verify with now: fetched from the server and accepted; the last accepted keyset when the server is unreachable. */
  async currentKeys(): Promise<Jwks> {
    let document: unknown;
    try {
      document = await this.opts.api.call('releaseKeyset');
    } catch (err) {
      const last = await this.lastAccepted();
      if (!last) throw err;
      return this.accept(last.document);
    }
    return this.accept(document);
  }

  /**
   * Whether a release file (its sha256, computed here) was signed by a release
   * key of the trusted keyset; reports a refusal. Never throws for a bad signature.
   */
  async verifyRelease(fields: ReleaseSignedFields, signature: { kid: string; value: string }): Promise<boolean> {
    const ok = await verifyReleaseSignature(fields, signature, await this.currentKeys());
    if (!ok) {
      this.opts.onRefused({
        kind: 'release',
        reason: 'bad_signature',
        message: `${fields.product} ${fields.version} is not signed by a NextGen Noise release key; it was deleted and will not run.`,
      });
    }
    return ok;
  }
}
