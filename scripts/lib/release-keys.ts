/**
 * The release key ceremony, on the operator's offline machine: an Ed25519 root
 * key signs a versioned keyset of release keys; publishers sign artifacts with
 * a release key. Nothing here runs on the API, which only serves the keyset.
 *
 * Folder layout (the "root folder", kept offline, never under DATA_DIR):
 *   root.key.pem           the root private key (0600)
 *   root.pub.json          the root public key (JWK with kid): pin this in the Companion build
 *   keyset.json            the latest root-signed keyset: install it on the API
 *   release-keys/<kid>.json  a delegated release key ({kid, private_key}) for a publisher (0600)
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  KeysetPayload,
  ReleaseKeyset,
  RootPublicJwk,
  keysetSignedBytes,
  releaseSignaturePayload,
  type KeysetKey,
  type ReleaseSignedFields,
} from '@ngn/shared';

const DAY_MS = 86_400_000;

/** A release key as a publisher holds it. */
export interface ReleaseKeyFile {
  kid: string;
  private_key: string;
}

function publicJwk(key: KeyObject): { kty: 'OKP'; crv: 'Ed25519'; x: string } {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x! };
}

/** A kid derived from the public key (so two keys never share one). */
function kidOf(prefix: string, x: string): string {
  return `${prefix}-${createHash('sha256').update(x).digest('base64url').slice(0, 16)}`;
}

async function writeSecret(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
}

const paths = (dir: string) => ({
  rootKey: path.join(dir, 'root.key.pem'),
  rootPub: path.join(dir, 'root.pub.json'),
  keyset: path.join(dir, 'keyset.json'),
  releaseKeys: path.join(dir, 'release-keys'),
});

/** Refuses a root folder inside the API's data folder: the root must never sit where the API can read it. */
export function assertOutside(rootDir: string, dataDir: string | undefined): void {
  if (!dataDir) return;
  const rel = path.relative(path.resolve(dataDir), path.resolve(rootDir));
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) throw new Error(`The root folder ${rootDir} is inside DATA_DIR (${dataDir}); keep it offline, away from the API.`);
}

/** Creates the root key pair; refuses to overwrite an existing root. */
export async function initRoot(dir: string, label = 'root'): Promise<RootPublicJwk> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const pub = publicJwk(privateKey);
  const root: RootPublicJwk = { kid: kidOf(label, pub.x), ...pub };
  await writeSecret(paths(dir).rootKey, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
  await writeFile(paths(dir).rootPub, `${JSON.stringify(root, null, 2)}\n`, { flag: 'wx' });
  return root;
}

export async function readRootPublic(dir: string): Promise<RootPublicJwk> {
  return RootPublicJwk.parse(JSON.parse(await readFile(paths(dir).rootPub, 'utf8')));
}

async function currentPayload(dir: string): Promise<KeysetPayload | null> {
  try {
    const doc = ReleaseKeyset.parse(JSON.parse(await readFile(paths(dir).keyset, 'utf8')));
    return KeysetPayload.parse(JSON.parse(doc.payload));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Signs `keys` as the next keyset version with the root and writes keyset.json; returns the document. */
async function signNextKeyset(dir: string, keys: KeysetKey[], now: Date): Promise<ReleaseKeyset> {
  const previous = await currentPayload(dir);
  const root = await readRootPublic(dir);
  const rootKey = createPrivateKey(await readFile(paths(dir).rootKey, 'utf8'));
  const payload = JSON.stringify(KeysetPayload.parse({ version: (previous?.version ?? 0) + 1, issued_at: now.toISOString(), keys }));
  const doc: ReleaseKeyset = { payload, root_kid: root.kid, signature: sign(null, keysetSignedBytes(payload), rootKey).toString('base64url') };
  await writeFile(paths(dir).keyset, `${JSON.stringify(doc, null, 2)}\n`);
  return doc;
}

/** Makes a release key valid for `days`, adds it to a new keyset version; returns the key file path and the keyset. */
export async function delegate(dir: string, opts: { days?: number; now?: Date } = {}): Promise<{ keyFile: string; key: ReleaseKeyFile; keyset: ReleaseKeyset }> {
  const now = opts.now ?? new Date();
  const { privateKey } = generateKeyPairSync('ed25519');
  const pub = publicJwk(privateKey);
  const kid = kidOf('release', pub.x);
  const entry: KeysetKey = { kid, ...pub, not_before: now.toISOString(), not_after: new Date(now.getTime() + (opts.days ?? 365) * DAY_MS).toISOString() };
  const key: ReleaseKeyFile = { kid, private_key: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string };
  await mkdir(paths(dir).releaseKeys, { recursive: true, mode: 0o700 });
  const keyFile = path.join(paths(dir).releaseKeys, `${kid}.json`);
  await writeSecret(keyFile, `${JSON.stringify(key, null, 2)}\n`);
  const keyset = await signNextKeyset(dir, [...((await currentPayload(dir))?.keys ?? []), entry], now);
  return { keyFile, key, keyset };
}

/**
 * Rotation: a new release key, and every older key may sign only `overlapDays`
 * more (so publishers switch while releases signed yesterday still verify).
 */
export async function rotate(dir: string, opts: { days?: number; overlapDays?: number; now?: Date } = {}) {
  const now = opts.now ?? new Date();
  const cutoff = new Date(now.getTime() + (opts.overlapDays ?? 30) * DAY_MS).toISOString();
  const previous = (await currentPayload(dir))?.keys ?? [];
  const shortened = previous.map((k) => (k.not_after > cutoff ? { ...k, not_after: cutoff } : k));
  await signNextKeyset(dir, shortened, now);
  return delegate(dir, opts);
}

/** Revocation: a new keyset version without the key. Releases it signed stop verifying in the Companion. */
export async function revoke(dir: string, kid: string, now = new Date()): Promise<ReleaseKeyset> {
  const previous = (await currentPayload(dir))?.keys ?? [];
  if (!previous.some((k) => k.kid === kid)) throw new Error(`The keyset has no release key ${kid}.`);
  return signNextKeyset(dir, previous.filter((k) => k.kid !== kid), now);
}

export async function readReleaseKey(file: string): Promise<ReleaseKeyFile> {
  return parseReleaseKey(await readFile(file, 'utf8'));
}

export function parseReleaseKey(text: string): ReleaseKeyFile {
  const parsed = JSON.parse(text) as Partial<ReleaseKeyFile>;
  if (typeof parsed.kid !== 'string' || typeof parsed.private_key !== 'string') throw new Error('A release key file is JSON {"kid", "private_key"}.');
  return { kid: parsed.kid, private_key: parsed.private_key };
}

/** The publisher's signature over the framed release fields (base64url), as the API and the Companion verify it. */
export function signRelease(key: ReleaseKeyFile, fields: ReleaseSignedFields): { signature: string; signature_kid: string } {
  const signature = sign(null, releaseSignaturePayload(fields), createPrivateKey(key.private_key)).toString('base64url');
  return { signature, signature_kid: key.kid };
}
