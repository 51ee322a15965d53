import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { machineFingerprint } from '../../../desktop/src/core/fingerprint';
import type { Benchmark } from '../benchmark';
import { figure } from '../report';
import { benchToken } from './token-verify';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BUILD = path.join(ROOT, 'plugin-sdk', 'build', 'bench');
const ROUNDS = 7;
const PER_ROUND = 20_000;
const run = promisify(execFile);

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The SDK built as a plugin links it: Release, no sanitizers. */
async function buildSdk(log: (line: string) => void): Promise<string> {
  log('building the C SDK (Release)');
  await run('cmake', ['-S', path.join(ROOT, 'plugin-sdk'), '-B', BUILD, '-DNGN_BUILD_TOOLS=ON', '-DCMAKE_BUILD_TYPE=Release']);
  await run('cmake', ['--build', BUILD, '-j', '2']);
  return path.join(BUILD, 'ngn-bench');
}

/**
 * The C SDK's offline check (plugin-sdk): `ngn_verify_token` against a bare
 * libsodium `crypto_sign_verify_detached` of the same signature over the same
 * bytes, in the same process, rounds alternating inside ngn-bench; and the
 * plugin's whole call `ngn_license_check` (token file read, this machine's
 * fingerprint, clock mark) shown against the same floor.
 */
export const sdkVerifyBenchmark: Benchmark = {
  name: 'sdk-verify',
  title: 'C SDK token verification (ngn_verify_token vs crypto_sign_verify_detached)',
  requires: { files: ['plugin-sdk/CMakeLists.txt'] },
  async run(ctx) {
    const bench = await buildSdk(ctx.log);
    const fingerprint = await machineFingerprint();
    const { token, jwks } = benchToken(fingerprint);
    const key = jwks.keys[0]!;
    const home = await mkdtemp(path.join(tmpdir(), 'ngn-bench-sdk-'));
    try {
      const dir = path.join(home, 'nextgen-noise', 'activations');
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'mixing_mentor.jwt'), token);
      const rounds: Array<{ bare_ns: number; verify_ns: number; check_ns: number; check_code: string }> = [];
      for (let r = 0; r < ROUNDS; r += 1) {
        const args = [token, key.kid, key.x, 'mixing_mentor', fingerprint, String(Math.floor(Date.now() / 1000)), String(PER_ROUND)];
        const { stdout } = await run(bench, args, { env: { ...process.env, XDG_DATA_HOME: home } });
        rounds.push(JSON.parse(stdout));
      }
      ctx.note('rounds_ns', rounds);
      const bare = median(rounds.map((r) => r.bare_ns)) / 1000;
      const invalid = rounds.some((r) => r.check_code !== 'VALID') ? `ngn_license_check said ${rounds[0]!.check_code}` : undefined;
      return [
        figure({
          benchmark: 'sdk-verify',
          name: 'us/verify',
          unit: 'us',
          value: median(rounds.map((r) => r.verify_ns)) / 1000,
          baseline: bare,
          target: { kind: 'ratio_max', value: 1.2 },
        }),
        figure({
          benchmark: 'sdk-verify',
          name: 'us/check (file, fingerprint, clock mark)',
          unit: 'us',
          value: median(rounds.map((r) => r.check_ns)) / 1000,
          baseline: bare,
          // Shown, not chased: a plugin makes this call once per instance.
          target: { kind: 'max', value: 1000 },
          invalid,
        }),
      ];
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  },
};
