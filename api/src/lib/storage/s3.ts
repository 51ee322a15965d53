import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3StorageConfig } from '../../config';
import { attachmentDisposition, type ByteRange, type ObjectStorage } from './types';

/** Part size of multipart uploads: memory use per upload is about queueSize × this. */
const PART_SIZE = 8 * 1024 * 1024;

/**
 * Any S3-compatible bucket (AWS, MinIO, R2, ...). Uploads stream through a
 * multipart upload of bounded memory; downloads are presigned GET URLs, so the
 * bucket serves Range, ETag and resume itself.
 */
export class S3Storage implements ObjectStorage {
  readonly kind = 's3' as const;
  private readonly client: S3Client;

  constructor(private readonly config: S3StorageConfig) {
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      credentials: config.credentials,
      // The SDK's default (since v3.729) adds CRC32 "flexible checksum" headers to every
      // upload and `x-amz-checksum-mode` to every GET, presigned download URLs included.
      // Several S3-compatible services (Backblaze B2, R2, older MinIO and Ceph) have refused
      // those headers; integrity does not depend on them, since the API hashes every
      // upload itself and clients check the signed sha256.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: Readable, opts: { contentType?: string } = {}): Promise<void> {
    // When the source fails mid multipart upload and aborting the upload fails too (a policy
    // without s3:AbortMultipartUpload, a server without it), lib-storage rejects with the abort's
    // error: report the source's, which says why. A lifecycle rule reclaims the parts left over.
    let sourceError: unknown;
    body.once('error', (err) => {
      sourceError = err;
    });
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.config.bucket, Key: key, Body: body, ContentType: opts.contentType ?? 'application/octet-stream' },
      partSize: PART_SIZE,
      queueSize: 2,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      throw sourceError ?? err;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const out = await this.client.send(
      new GetObjectCommand({ Bucket: this.config.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
    );
    if (!(out.Body instanceof Readable)) throw new Error(`S3 returned no stream for ${key}`);
    return out.Body;
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: key }));
      return { size: out.ContentLength ?? 0 };
    } catch (err) {
      if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: key }));
  }

  async presignedUrl(key: string, opts: { expiresInSeconds: number; fileName: string }): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.config.bucket,
      Key: key,
      ResponseContentDisposition: attachmentDisposition(opts.fileName),
    });
    return getSignedUrl(this.client, command, { expiresIn: opts.expiresInSeconds });
  }
}
