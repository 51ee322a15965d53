import { rm } from 'node:fs/promises';
import os from 'node:os';
import {
  activationTokenDirectory,
  activationTokenPath,
  clockMarkPath,
  decodeActivationToken,
  encodeClockMark,
  type TokenFileEnvironment,
} from '@ngn/shared';
import { writeFileAtomic } from './atomic-file';

export function currentTokenFileEnvironment(): TokenFileEnvironment {
  return { platform: process.platform, env: process.env, homedir: os.homedir() };
}

/**
 * The file a plugin reads to know it may run: the product's activation token
 * (a compact JWS, nothing else) at the per-OS path of the token spec. Written
 * atomically with owner-only permissions, so the plugin never reads half a
 * token and other users of the machine cannot read it at all.
 */
export class TokenFiles {
  constructor(private readonly where: TokenFileEnvironment = currentTokenFileEnvironment()) {}

  get directory(): string {
    return activationTokenDirectory(this.where);
  }

  path(product: string): string {
    return activationTokenPath(this.where, product);
  }

  async write(product: string, token: string): Promise<string> {
    const file = this.path(product);
    await writeFileAtomic(file, token.trim(), { mode: 0o600, dirMode: 0o700 });
    return file;
  }

  /**
   * Sets the product's clock mark (docs/activation-token.md, clock rule) to the
   * signed iat of a token the API has just issued: the server's time, so it
   * also repairs a mark that a clock once set in the future pushed too far.
   * Only for tokens fresh from the API: an old token's iat would let a clock
   * set back pass again.
   */
  async markServerTime(product: string, token: string, fingerprint: string): Promise<void> {
    const { iat } = decodeActivationToken(token).payload;
    await writeFileAtomic(clockMarkPath(this.path(product)), await encodeClockMark(product, fingerprint, iat), { mode: 0o600, dirMode: 0o700 });
  }

  async remove(product: string): Promise<void> {
    await rm(this.path(product), { force: true });
    await rm(clockMarkPath(this.path(product)), { force: true });
  }
}
