import { existsSync } from 'node:fs';
import { copyFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { delegate, initRoot, readReleaseKey, type ReleaseKeyFile } from './release-keys';

/**
 * The demo's release root: a DEVELOPMENT root made on first start so demo
 * releases are signed and verify in the Companion. It lives in its own folder
 * beside DATA_DIR (never inside it, where the API reads), and its kid starts
 * with "dev-root" so it can never be mistaken for a deployment's root.
 */
export function devReleaseRootDir(dataDir: string): string {
  return `${path.resolve(dataDir)}-dev-release-root`;
}

const WARNING = `DEVELOPMENT release root, made by \`npm start\` for the local demo.
It signs the demo's keyset; its private key sits unprotected on this disk.
Never pin it in a Companion you ship: run \`npm run release-keys -- init\` on an offline machine instead.
`;

/** Creates the dev root and one delegated key once, installs the keyset on the API, and answers the key to sign with. */
export async function ensureDevReleaseRoot(dataDir: string, keysetFile: string): Promise<ReleaseKeyFile> {
  const dir = devReleaseRootDir(dataDir);
  if (!existsSync(path.join(dir, 'root.key.pem'))) {
    await initRoot(dir, 'dev-root');
    await writeFile(path.join(dir, 'DEVELOPMENT-ROOT.txt'), WARNING);
    await delegate(dir, { days: 3650 });
  }
  if (!existsSync(keysetFile)) await copyFile(path.join(dir, 'keyset.json'), keysetFile);
  const [keyFile] = (await readdir(path.join(dir, 'release-keys'))).sort();
  return readReleaseKey(path.join(dir, 'release-keys', keyFile!));
}

/** The dev root's public key file, for a development Companion (never a packaged one) to pin. */
export function devReleaseRootFile(dataDir: string): string | undefined {
  const file = path.join(devReleaseRootDir(dataDir), 'root.pub.json');
  return existsSync(file) ? file : undefined;
}
