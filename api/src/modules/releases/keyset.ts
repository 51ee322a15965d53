import { readFile } from 'node:fs/promises';
import {
  activeReleaseKeys,
  parseKeysetPayload,
  ReleaseKeyset,
  verifyReleaseSignature,
  type KeysetPayload,
  type ReleaseSignedFields,
} from '@ngn/shared';
import { AppError, badRequest } from '../../lib/errors';

/**
 * The release keyset as the operator installed it (a file written by
 * `npm run release-keys`, signed offline by the root). It is read on each use,
 * so a rotation or revocation takes effect by replacing the file, without a
 * restart. The API cannot check the root signature (it holds no pin, and must
 * not be the one deciding trust); it uses the keys only to refuse publications
 * that no client would accept anyway.
 */
export class ReleaseKeysetFile {
  constructor(private readonly file: string) {}

  /** The document byte for byte, as the Companion must verify it; null when none is installed. */
  async raw(): Promise<string | null> {
    try {
      return await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async payload(): Promise<KeysetPayload | null> {
    const raw = await this.raw();
    if (raw === null) return null;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return null;
    }
    const doc = ReleaseKeyset.safeParse(json);
    return doc.success ? parseKeysetPayload(doc.data) : null;
  }

  /** Refuses (400 invalid_release_signature) a publication whose signature no current release key made. */
  async assertSigned(fields: ReleaseSignedFields, signature: { kid: string; value: string }): Promise<void> {
    const keyset = await this.payload();
    if (!keyset) throw new AppError(503, 'release_keyset_missing', 'No release keyset is installed on the API: run `npm run release-keys -- delegate` and install the keyset it writes.');
    if (!(await verifyReleaseSignature(fields, signature, activeReleaseKeys(keyset, new Date())))) {
      throw badRequest(
        'invalid_release_signature',
        `The signature does not verify with release key "${signature.kid}" of keyset version ${keyset.version} (unknown, revoked or outside its validity, or it signed other bytes). Nothing was stored.`,
      );
    }
  }
}
