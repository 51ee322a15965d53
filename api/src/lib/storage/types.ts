import type { Readable } from 'node:stream';

/** Inclusive byte range, as HTTP Range counts. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where release artifacts live. Keys are relative paths such as
 * `releases/<id>/<file name>`; what is behind them is the backend's business.
 */
export interface ObjectStorage {
  readonly kind: 'local' | 's3';
  /** Streams `body` to `key`. The object becomes visible only once complete, never half-written. */
  put(key: string, body: Readable, opts?: { contentType?: string }): Promise<void>;
  /** The object's bytes, or one range of them. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** Size of the object, or undefined when there is none. */
  stat(key: string): Promise<{ size: number } | undefined>;
  /** Removes the object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;
  /**
   * A time-limited URL the client can fetch directly (a presigned S3 URL), or
   * undefined when the API has to stream the bytes itself (local folder).
   */
  presignedUrl(key: string, opts: { expiresInSeconds: number; fileName: string }): Promise<string | undefined>;
}

/** Content-Disposition for a download, with an RFC 5987 name for non-ASCII file names. */
export function attachmentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
