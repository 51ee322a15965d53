import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ByteRange, ObjectStorage } from './types';

/** Objects as files under one folder (DATA_DIR/storage by default): the zero-configuration backend. */
export class LocalStorage implements ObjectStorage {
  readonly kind = 'local' as const;

  constructor(private readonly root: string) {}

  /** Maps a key to a path inside the root, refusing anything that would escape it. */
  private pathOf(key: string): string {
    const full = path.resolve(this.root, key);
    if (!full.startsWith(path.resolve(this.root) + path.sep)) throw new Error(`Storage key escapes the storage folder: ${key}`);
    return full;
  }

  async put(key: string, body: Readable): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    // Written beside the target and renamed at the end, so readers never see a partial file.
    const temp = `${target}.${randomBytes(6).toString('hex')}.part`;
    const file = createWriteStream(temp, { flags: 'wx' });
    try {
      await pipeline(body, file);
      await rename(temp, target);
    } catch (err) {
      // A source that fails at once can do so while the file is still being opened: the open
      // then creates it after an early rm. Removed only once the stream has closed its file.
      if (!file.closed) await once(file, 'close').catch(() => undefined);
      await rm(temp, { force: true });
      throw err;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.pathOf(key);
    const stream = createReadStream(file, range ? { start: range.start, end: range.end } : {});
    // Surface "missing file" here rather than as a late stream error after headers were sent.
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    return stream;
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    try {
      const s = await stat(this.pathOf(key));
      return s.isFile() ? { size: s.size } : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async presignedUrl(): Promise<undefined> {
    return undefined;
  }
}
