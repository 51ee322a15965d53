import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, createHash, type KeyObject } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';

/** A public key as published in a JWKS (RFC 8037 OKP / Ed25519). */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

interface LoadedKey {
  kid: string;
  privateKey?: KeyObject;
  publicKey: KeyObject;
}

/** RFC 7638 thumbprint of the public key: a kid that cannot collide by accident. */
function thumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' }) as { crv: string; kty: string; x: string };
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

/**
 * A named set of Ed25519 keys: one signs, all verify, so a key can be rotated
 * without breaking what the previous one signed. Keys come from an environment
 * value (PEM private keys, newest first, separated by blank lines) or, for local
 * use, from DATA_DIR/keys/<name>/, where the first start generates one.
 */
export class KeyRing {
  private constructor(
    readonly name: string,
    private readonly keys: LoadedKey[],
  ) {}

  static fromPem(name: string, pems: string[]): KeyRing {
    if (!pems.length) throw new Error(`Key ring ${name} has no keys`);
    const keys = pems.map((pem) => {
      const privateKey = createPrivateKey(pem);
      if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`Key ring ${name}: only Ed25519 keys are supported`);
      const publicKey = createPublicKey(privateKey);
      return { kid: thumbprint(publicKey), privateKey, publicKey };
    });
    return new KeyRing(name, keys);
  }

  /** Loads DATA_DIR/keys/<name>/*.pem (newest file name signs), generating the first key if none. */
  static async fromDirectory(name: string, dataDir: string): Promise<KeyRing> {
    const dir = path.join(dataDir, 'keys', name);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    let files = (await readdir(dir)).filter((f) => f.endsWith('.pem')).sort().reverse();
    if (!files.length) {
      await KeyRing.generateInto(dir);
      files = (await readdir(dir)).filter((f) => f.endsWith('.pem')).sort().reverse();
    }
    const pems = await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')));
    return KeyRing.fromPem(name, pems);
  }

  /** Writes a new private key whose file name sorts after the others, so it becomes the signer. */
  static async generateInto(dir: string): Promise<string> {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.pem`);
    await writeFile(`${file}.tmp`, pem, { mode: 0o600 });
    await rename(`${file}.tmp`, file);
    return file;
  }

  get signingKid(): string {
    return this.keys[0]!.kid;
  }

  sign(data: Buffer | string): { kid: string; signature: Buffer } {
    const key = this.keys[0]!;
    return { kid: key.kid, signature: sign(null, Buffer.from(data), key.privateKey!) };
  }

  verify(kid: string, data: Buffer | string, signature: Buffer): boolean {
    const key = this.keys.find((k) => k.kid === kid);
    return key ? verify(null, Buffer.from(data), key.publicKey, signature) : false;
  }

  jwks(): { keys: PublicJwk[] } {
    return {
      keys: this.keys.map((k) => {
        const jwk = k.publicKey.export({ format: 'jwk' }) as { x: string };
        return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: k.kid, alg: 'EdDSA', use: 'sig' };
      }),
    };
  }
}
