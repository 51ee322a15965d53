import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { chmod, copyFile, mkdtemp, open, rm } from 'node:fs/promises';
import path from 'node:path';

/** The SHA-256 of a file on disk, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * A private copy of `file` to run: in a fresh 0700 folder the Companion made
 * under `parent`, hashed from the handle opened on it (the bytes hashed are
 * the bytes of that file, not of a path another process could swap), so
 * nothing can change what runs between the check and the launch.
 */
export async function privateCopy(file: string, parent: string): Promise<{ path: string; sha256: string; discard: () => Promise<void> }> {
  const folder = await mkdtemp(path.join(parent, 'run-'));
  await chmod(folder, 0o700);
  const discard = () => rm(folder, { recursive: true, force: true });
  try {
    const copy = path.join(folder, path.basename(file));
    await copyFile(file, copy, constants.COPYFILE_EXCL);
    await chmod(copy, 0o700);
    const handle = await open(copy, 'r');
    try {
      const hash = createHash('sha256');
      for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20, autoClose: false })) hash.update(chunk as Buffer);
      return { path: copy, sha256: hash.digest('hex'), discard };
    } finally {
      await handle.close();
    }
  } catch (err) {
    await discard();
    throw err;
  }
}
