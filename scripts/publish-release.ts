/**
 * Publishes a release artifact with an admin API key (scope releases:write):
 *
 *   npm run publish-release -- --file dist/MixingMentor-1.2.0.exe --product mixing_mentor \
 *     --version 1.2.0 --platform windows --channel stable [--notes "..." | --notes-file F] \
 *     [--blockmap F.blockmap] [--min-os 10.0.19041] [--staging 100] [--release-date ISO] \
 *     [--api http://127.0.0.1:3001] [--key ngk_... | env NGN_API_KEY] \
 *     [--release-key F | env NGN_RELEASE_KEY_FILE | env NGN_RELEASE_KEY (the key file's JSON)]
 *
 * The file is hashed and signed here with a release key delegated by the
 * offline root (`npm run release-keys -- delegate`); the API only checks the
 * signature against its keyset and the sha256 it computes while the file
 * streams (never read whole into memory). Afterwards the script checks that the
 * API stored the same sha256, then prints the release as JSON.
 */
import { createHash } from 'node:crypto';
import { createReadStream, openAsBlob } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Release, ReleaseMetadata, type ErrorBody } from '@ngn/shared';
import { parseReleaseKey, readReleaseKey, signRelease, type ReleaseKeyFile } from './lib/release-keys';

const USAGE =
  'Usage: npm run publish-release -- --file F --product mixing_mentor|companion --version V --platform windows|macos|linux ' +
  '[--channel stable|beta] [--notes TEXT | --notes-file F] [--blockmap F] [--min-os V] [--staging 0-100] [--release-date ISO] ' +
  '[--api URL] [--key KEY (or env NGN_API_KEY)] [--release-key F (or env NGN_RELEASE_KEY_FILE / NGN_RELEASE_KEY)]';

async function releaseKey(file: string | undefined): Promise<ReleaseKeyFile> {
  if (file) return readReleaseKey(file);
  if (process.env.NGN_RELEASE_KEY) return parseReleaseKey(process.env.NGN_RELEASE_KEY);
  return fail('Pass --release-key or set NGN_RELEASE_KEY_FILE (a key made by `npm run release-keys -- delegate`).', 64);
}

function fail(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        file: { type: 'string' },
        blockmap: { type: 'string' },
        product: { type: 'string' },
        version: { type: 'string' },
        platform: { type: 'string' },
        channel: { type: 'string', default: 'stable' },
        notes: { type: 'string' },
        'notes-file': { type: 'string' },
        'min-os': { type: 'string' },
        staging: { type: 'string' },
        'release-date': { type: 'string' },
        api: { type: 'string', default: process.env.NGN_API_URL ?? 'http://127.0.0.1:3001' },
        key: { type: 'string', default: process.env.NGN_API_KEY },
        'release-key': { type: 'string', default: process.env.NGN_RELEASE_KEY_FILE },
      },
      strict: true,
    }));
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`, 64);
  }
  if (!values.file) fail(`--file is required.\n${USAGE}`, 64);
  if (!values.key) fail('Pass --key or set NGN_API_KEY (create one with `npm run admin -- create-api-key`).', 64);
  const notes = values['notes-file'] ? await readFile(values['notes-file'], 'utf8') : values.notes;

  // The same rules the API applies, checked before any byte is sent.
  const fields = ReleaseMetadata.omit({ signature: true, signature_kid: true }).safeParse({
    product: values.product,
    version: values.version,
    platform: values.platform,
    channel: values.channel,
    release_notes: notes,
    release_date: values['release-date'],
    min_os_version: values['min-os'],
    staging_percentage: values.staging,
  });
  if (!fields.success) fail(fields.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'), 64);
  const fileStat = await stat(values.file).catch(() => fail(`No such file: ${values.file}`, 66));
  if (!fileStat.isFile()) fail(`Not a file: ${values.file}`, 66);
  const key = await releaseKey(values['release-key']).catch((err: Error) => fail(`The release key could not be read: ${err.message}`, 66));
  const localSha256 = await sha256Of(values.file);
  const signature = signRelease(key, { sha256: localSha256, ...fields.data });

  // Text fields first: the API validates them before the file starts to flow.
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...fields.data, ...signature })) if (value !== undefined) form.append(name, String(value));
  form.append('file', await openAsBlob(values.file), path.basename(values.file));
  if (values.blockmap) form.append('blockmap', await openAsBlob(values.blockmap), path.basename(values.blockmap));

  const api = values.api.replace(/\/$/, '');
  const res = await fetch(`${api}/api/v1/admin/releases`, {
    method: 'POST',
    headers: { authorization: `Bearer ${values.key}` },
    body: form,
  }).catch((err: Error) => fail(`Could not reach ${api}: ${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}`));
  const body: unknown = await res.json().catch(() => undefined);
  if (res.status !== 201) {
    const error = body as Partial<ErrorBody> | undefined;
    fail(`Publishing failed (${res.status}): ${error?.error ?? 'unknown_error'}: ${error?.message ?? ''}`);
  }
  const release = Release.parse(body);

  // The API already refused bytes other than the signed ones; this names the cause when a file changed mid-upload.
  if (release.checksum_sha256 !== localSha256) fail(`The API stored different bytes: sha256 ${release.checksum_sha256} does not match the local file.`);
  console.log(JSON.stringify(release, null, 2));
}

void main();
