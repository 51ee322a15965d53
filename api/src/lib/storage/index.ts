import type { Config } from '../../config';
import { LocalStorage } from './local';
import { S3Storage } from './s3';
import type { ObjectStorage } from './types';

export type { ByteRange, ObjectStorage } from './types';
export { attachmentDisposition } from './types';

/** S3 when a bucket is configured, else a folder under DATA_DIR. */
export function createStorage(config: Config['storage']): ObjectStorage {
  return config.s3 ? new S3Storage(config.s3) : new LocalStorage(config.localDir);
}
