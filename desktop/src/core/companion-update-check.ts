import { rm } from 'node:fs/promises';
import type { ReleasePlatform } from '@ngn/shared';
import { z } from 'zod';
import { CompanionError } from '../contract/errors';
import { sha256File } from './file-hash';
import type { ReleaseTrust } from './release-trust';

/** What the update feed (latest*.yml) says about the update, beyond electron-updater's own sha512 check. */
const SignedUpdateInfo = z.object({ version: z.string(), signature: z.string(), signature_kid: z.string() });

export type UpdateVerdict = { ok: true } | { ok: false; message: string };

/**
 * Decides whether a Companion update electron-updater downloaded may be
 * installed: its sha256 (computed here) must carry a release signature by a
 * key of the pinned-root keyset. The sha512 electron-updater checks comes from
 * the same feed as the file, so it proves nothing about who made it. A refused
 * file is deleted, so quitAndInstall can never run it.
 */
export async function verifyCompanionUpdate(
  trust: ReleaseTrust,
  file: string,
  info: unknown,
  platform: ReleasePlatform | null,
): Promise<UpdateVerdict> {
  const refuse = async (message: string): Promise<UpdateVerdict> => {
    await rm(file, { force: true });
    return { ok: false, message };
  };
  const signed = SignedUpdateInfo.safeParse(info);
  if (!signed.success || !platform) return refuse('This Companion update carries no NextGen Noise signature; it was deleted and will not be installed.');
  try {
    const fields = { sha256: await sha256File(file), product: 'companion', version: signed.data.version, platform };
    if (await trust.verifyRelease(fields, { kid: signed.data.signature_kid, value: signed.data.signature })) return { ok: true };
    return refuse(`Companion ${signed.data.version} is not signed by a NextGen Noise release key; it was deleted and will not be installed.`);
  } catch (err) {
    if (err instanceof CompanionError && err.code === 'keyset_invalid') return refuse(err.message);
    throw err;
  }
}
