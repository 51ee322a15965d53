import { serializeError, type SerializedError } from '../contract/errors';
import type { PartialFile } from './partial-file';

/** Runs after the size and SHA-256 matched, e.g. to check a release signature; throwing a CompanionError rejects the file. */
export type VerifyDownload = (download: { dest: string; partPath: string; sha256: string; total: number; meta: Record<string, unknown> }) => Promise<void>;

export type Verdict =
  | { kind: 'accepted' }
  /** The file must never be run: delete it. */
  | { kind: 'rejected'; code: string; message: string }
  /** Nothing is known about the file yet (the keys could not be fetched): keep it for a later try. */
  | { kind: 'undecided'; error: SerializedError };

/** Size, then SHA-256, then the caller's own check (the release signature), in that order. */
export async function verifyDownload(
  file: PartialFile,
  expected: { total: number | null; sha256: string; dest: string; meta: Record<string, unknown> },
  verify: VerifyDownload | undefined,
): Promise<Verdict> {
  const size = file.bytes;
  if (expected.total !== null && size !== expected.total) {
    return { kind: 'rejected', code: 'size_mismatch', message: `The download has ${size} bytes instead of ${expected.total}; it was deleted.` };
  }
  const digest = file.sha256();
  if (digest !== expected.sha256) {
    return { kind: 'rejected', code: 'checksum_mismatch', message: 'The downloaded file does not match its published SHA-256; it was deleted.' };
  }
  try {
    await verify?.({ dest: expected.dest, partPath: file.path, sha256: digest, total: size, meta: expected.meta });
  } catch (err) {
    const e = serializeError(err);
    if (e.code === 'offline' || e.code === 'timeout') return { kind: 'undecided', error: e };
    return { kind: 'rejected', code: e.code === 'internal_error' ? 'signature_invalid' : e.code, message: e.message };
  }
  return { kind: 'accepted' };
}
