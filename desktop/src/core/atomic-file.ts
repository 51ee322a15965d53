import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes a file so that readers see either the old or the new content, never a
 * torn one, even if the process dies or the machine loses power midway: write a
 * temp file in the same folder, fsync it, rename it over the target, fsync the
 * folder (POSIX) so the rename itself is durable.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, opts: { mode?: number; dirMode?: number } = {}): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: opts.dirMode ?? 0o755 });
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const mode = opts.mode ?? 0o644;
  try {
    const handle = await open(tmp, 'wx', mode);
    try {
      await handle.writeFile(data);
      // The umask may have narrowed the mode at creation; an owner-only file must stay owner-only.
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
}

/** fsync of a directory makes a rename durable on POSIX; Windows has no such handle. */
export async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Parsed JSON, or undefined when the file does not exist or is not JSON. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
