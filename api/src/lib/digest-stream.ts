import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * A pass-through that hashes (sha256 hex, sha512 base64) and counts what flows
 * through it, so an upload is checksummed while it streams to storage instead
 * of being read twice or held in memory. Fails the stream past `maxBytes`.
 */
export class DigestStream extends Transform {
  private readonly sha256: Hash = createHash('sha256');
  private readonly sha512: Hash = createHash('sha512');
  bytes = 0;

  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      callback(new FileTooLargeError(this.maxBytes));
      return;
    }
    this.sha256.update(chunk);
    this.sha512.update(chunk);
    callback(null, chunk);
  }

  /** Call once the stream has finished. */
  digests(): { size: number; sha256: string; sha512: string } {
    return { size: this.bytes, sha256: this.sha256.digest('hex'), sha512: this.sha512.digest('base64') };
  }
}

export class FileTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`File is larger than ${maxBytes} bytes`);
    this.name = 'FileTooLargeError';
  }
}
