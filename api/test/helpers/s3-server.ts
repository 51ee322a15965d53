import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/** s3rver's built-in key pair. It refuses unknown keys and expired presigned URLs, but does not recompute SigV4 signatures. */
const ACCESS_KEY = 'S3RVER';

export interface BucketRequest {
  method: string;
  /** Path and query as sent, e.g. `/releases/a/b.bin?partNumber=1&uploadId=…`. */
  url: string;
  headers: IncomingHttpHeaders;
}

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  /** The STORAGE_S3_* settings that point the API at this server. */
  env: Record<string, string>;
  /** Every request the server received, in order, for asserting what went over the wire. */
  requests: BucketRequest[];
  /** Keys of the objects in the bucket, as a ListObjectsV2 over HTTP answers them. */
  keys(prefix?: string): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * An S3-compatible server on the loopback (s3rver: S3's REST API over HTTP,
 * multipart uploads and ranges included, objects on disk), with one empty bucket.
 */
export async function startLocalS3(bucket = 'releases'): Promise<LocalS3> {
  const directory = await mkdtemp(path.join(tmpdir(), 'ngn-s3-'));
  const s3rver = new S3rver({ directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
  await s3rver.configureBuckets();
  const handle = s3rver.getMiddleware();
  const requests: BucketRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const credentials = { accessKeyId: ACCESS_KEY, secretAccessKey: ACCESS_KEY };
  const lister = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
  return {
    endpoint,
    bucket,
    env: {
      STORAGE_S3_BUCKET: bucket,
      STORAGE_S3_ENDPOINT: endpoint,
      STORAGE_S3_FORCE_PATH_STYLE: 'true',
      STORAGE_S3_ACCESS_KEY_ID: credentials.accessKeyId,
      STORAGE_S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
    requests,
    async keys(prefix) {
      const out = await lister.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (out.Contents ?? []).map((o) => o.Key!).sort();
    },
    async close() {
      lister.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      await rm(directory, { recursive: true, force: true });
    },
  };
}
