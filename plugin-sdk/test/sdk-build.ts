import { execFile, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Jwks } from '@ngn/shared';

/**
 * The builds `npm run plugin-sdk:test` made (NGN_PLUGIN_SDK_BUILD), or why
 * these tests cannot run: they need the C SDK, which `npm test` does not build.
 */
export const SDK_BUILD = process.env.NGN_PLUGIN_SDK_BUILD;
export const SKIP_REASON = SDK_BUILD ? false : 'the C SDK is built and tested by `npm run plugin-sdk:test`';

export const NGN_VERIFY = SDK_BUILD ? path.join(SDK_BUILD, 'gcc', 'ngn-verify') : '';
export const NGN_BENCH = SDK_BUILD ? path.join(SDK_BUILD, 'gcc', 'ngn-bench') : '';
/** The plain LV2 example (plugin-sdk/examples/lv2-gain): Debian's headless LV2 hosts cannot load JUCE's LV2 build. */
export const LV2_BUNDLES = SDK_BUILD ? path.join(SDK_BUILD, 'lv2-gain', 'lv2') : '';
export const PLUGIN_URI = 'https://nextgennoise.com/plugins/licensed-gain-lv2';
export const PLUGIN_BINARY = SDK_BUILD ? path.join(LV2_BUNDLES, 'ngn-licensed-gain.lv2', 'licensed_gain.so') : '';
export const INSTANCE_LIFETIME_TEST = SDK_BUILD ? path.join(SDK_BUILD, 'lv2-gain', 'instance-lifetime-test') : '';

export const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { env: { ...process.env, ...opts.env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

export const execFileAsync = promisify(execFile);

/** `kid=x` arguments of ngn-verify for every Ed25519 key of a JWKS. */
export function keyArgs(jwks: Jwks): string[] {
  return jwks.keys.filter((k) => k.kty === 'OKP' && k.crv === 'Ed25519').map((k) => `${k.kid}=${k.x}`);
}

/** A scratch XDG_DATA_HOME holding one product's token, as the Companion would leave it. */
export async function tokenHome(product: string, token: string): Promise<{ xdg: string; tokenPath: string }> {
  const xdg = await mkdtemp(path.join(tmpdir(), 'ngn-sdk-home-'));
  const dir = path.join(xdg, 'nextgen-noise', 'activations');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tokenPath = path.join(dir, `${product}.jwt`);
  await writeFile(tokenPath, `${token}\n`, { mode: 0o600 });
  return { xdg, tokenPath };
}
