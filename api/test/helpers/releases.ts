import { createHash, randomBytes } from 'node:crypto';
import { signRelease, type ReleaseKeyFile } from '../../../scripts/lib/release-keys';
import type { TestApi } from './api';

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
export const sha512b64 = (b: Uint8Array) => createHash('sha512').update(b).digest('base64');

/** Random bytes standing in for an installer. */
export const artifact = (bytes: number) => randomBytes(bytes);

export interface UploadFields {
  product: string;
  version: string;
  platform: string;
  channel?: string;
  release_notes?: string;
  staging_percentage?: number;
  min_os_version?: string;
  release_date?: string;
  [extra: string]: string | number | undefined;
}

/** The publisher's signature fields for `file`, made with `key` (the API's delegated release key unless another is given). */
export function signedBy(key: ReleaseKeyFile, fields: Pick<UploadFields, 'product' | 'version' | 'platform'>, file: Uint8Array) {
  try {
    return signRelease(key, { sha256: sha256(file), product: fields.product, version: fields.version, platform: fields.platform });
  } catch {
    // Fields that cannot be framed (a validation test): a well-formed signature, so the API's field rules answer.
    return { signature: 'A'.repeat(86), signature_kid: key.kid };
  }
}

/**
 * POSTs a multipart upload the way any HTTP client would: fields first, then
 * the file, then an optional blockmap. Signed with the test API's delegated
 * release key unless the fields carry a signature of their own.
 */
export async function uploadRelease(
  t: TestApi,
  token: string,
  fields: UploadFields,
  file: Uint8Array,
  opts: { fileName?: string; blockmap?: Uint8Array; fieldsAfterFile?: boolean; signingKey?: ReleaseKeyFile } = {},
) {
  const form = new FormData();
  const signed = fields.signature === undefined ? { ...signedBy(opts.signingKey ?? t.releaseKey, fields, file), ...fields } : fields;
  const addFields = () => {
    for (const [k, v] of Object.entries(signed)) if (v !== undefined) form.append(k, String(v));
  };
  if (!opts.fieldsAfterFile) addFields();
  const fileName = opts.fileName ?? `Artifact-${fields.version}-${fields.platform}.bin`;
  form.append('file', new Blob([new Uint8Array(file)]), fileName);
  if (opts.blockmap) form.append('blockmap', new Blob([new Uint8Array(opts.blockmap)]), `${fileName}.blockmap`);
  if (opts.fieldsAfterFile) addFields();
  const res = await fetch(`${t.url}/api/v1/admin/releases`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: res.status, body, headers: res.headers };
}

/** Uploads and insists on success; returns the release. */
export async function publish(t: TestApi, token: string, fields: UploadFields, file: Uint8Array, opts: Parameters<typeof uploadRelease>[4] = {}) {
  const res = await uploadRelease(t, token, fields, file, opts);
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Links carry the configured public URL; tests reach the same path on the test server. */
export function onTestServer(t: TestApi, url: string): string {
  const u = new URL(url);
  return `${t.url}${u.pathname}${u.search}`;
}

export async function fetchBytes(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(url, { headers, method });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Splits a multipart/byteranges body into its parts (RFC 9110 §14.6). */
export function parseByteRanges(body: Buffer, contentType: string) {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const parts: Array<{ start: number; end: number; size: number; contentType: string; data: Buffer }> = [];
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos !== 0) throw new Error('body does not start with the boundary');
  while (true) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break; // closing delimiter
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    const headers = body.subarray(pos + 2, headerEnd).toString().split('\r\n');
    const get = (name: string) => headers.find((h) => h.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim() ?? '';
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(get('content-range'));
    if (!m) throw new Error(`bad part Content-Range: ${get('content-range')}`);
    const [start, end, size] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const dataStart = headerEnd + 4;
    const data = body.subarray(dataStart, dataStart + end - start + 1);
    parts.push({ start, end, size, contentType: get('content-type'), data });
    pos = dataStart + data.length;
    if (body.indexOf(delimiter, pos) !== pos) throw new Error('part is not followed by a boundary');
  }
  return parts;
}
