import { rm } from 'node:fs/promises';
import os from 'node:os';
import { activationTokenDirectory, activationTokenPath, type TokenFileEnvironment } from '@ngn/shared';
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

  async remove(product: string): Promise<void> {
    await rm(this.path(product), { force: true });
  }
}
