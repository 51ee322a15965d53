import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { readJsonFile, writeFileAtomic } from './atomic-file';

/**
 * What is persisted per download, so a restart can pick it up where it stopped.
 * Deliberately no byte count and no hash: the partial file's size on disk is the
 * truth, and its SHA-256 is recomputed from it, so a crash between a write and a
 * record update can never leave the two disagreeing.
 */
export const PersistedDownload = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]+$/),
  url: z.string(),
  dest: z.string(),
  total: z.number().int().min(0).nullable(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  status: z.enum(['queued', 'downloading', 'paused', 'verifying', 'completed', 'failed']),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Opaque to the downloader: the caller's data for verification and URL renewal. */
  meta: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});
export type PersistedDownload = z.infer<typeof PersistedDownload>;

/** One JSON file per download in a folder, each replaced atomically. */
export class DownloadRecords {
  constructor(private readonly dir: string) {}

  /** Every readable record; those a previous run left mid-transfer come back as paused. */
  async loadAll(): Promise<PersistedDownload[]> {
    await mkdir(this.dir, { recursive: true });
    const records: PersistedDownload[] = [];
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.json')) continue;
      const parsed = PersistedDownload.safeParse(await readJsonFile(path.join(this.dir, name)));
      if (!parsed.success) continue;
      const p = parsed.data;
      if (p.status === 'downloading' || p.status === 'verifying' || p.status === 'queued') p.status = 'paused';
      records.push(p);
    }
    return records;
  }

  save(p: PersistedDownload): Promise<void> {
    return writeFileAtomic(this.file(p.id), JSON.stringify(p, null, 2), { mode: 0o600 });
  }

  remove(id: string): Promise<void> {
    return rm(this.file(id), { force: true });
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }
}
