import { createPublicKey, verify } from 'node:crypto';
import { randomBytes, randomUUID } from 'node:crypto';
import { decodeActivationToken, verifyActivationToken, type Jwks } from '@ngn/shared';
import { signActivationToken } from '../../../api/src/modules/licenses/activation-tokens';
import { KeyRing } from '../../../api/src/lib/signing-keys';
import type { Benchmark } from '../benchmark';
import { figure } from '../report';
import { ed25519Pem } from '../stack';

const ROUNDS = 7;
const PER_ROUND = 3_000;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Microseconds per call of `fn`, run `n` times back to back. */
async function timeAsync(n: number, fn: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) await fn();
  return Number(process.hrtime.bigint() - started) / 1e3 / n;
}

function timeSync(n: number, fn: () => unknown): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) fn();
  return Number(process.hrtime.bigint() - started) / 1e3 / n;
}

/** A perpetual Mixing Mentor token for `fingerprint`, signed by a fresh key as the API signs: the token both verify benchmarks check. */
export function benchToken(fingerprint: string): { token: string; jwks: Jwks } {
  const ring = KeyRing.fromPem('activation', [ed25519Pem()]);
  const { token } = signActivationToken(ring, 'http://127.0.0.1', {
    activationId: randomUUID(),
    licenseId: randomUUID(),
    product: 'mixing_mentor',
    licenseType: 'perpetual',
    policy: 'standard',
    fingerprint,
    entitlements: ['mixing_mentor.core'],
    licenseExpiresAt: null,
    offlineGraceDays: 30,
  });
  return { token, jwks: ring.jwks() as Jwks };
}

/**
 * Benchmark 3: the offline check a plugin does, `verifyActivationToken` (parse,
 * key lookup, Ed25519 verify, claims), against a bare `crypto.verify` of the same
 * signature over the same bytes. Rounds alternate so both see the same machine
 * state; the figure is the median round. No server involved.
 */
export const tokenVerifyBenchmark: Benchmark = {
  name: 'token',
  title: 'Activation token verification (verifyActivationToken vs crypto.verify)',
  requires: { files: ['shared/src/activation-token.ts', 'api/src/modules/licenses/activation-tokens.ts'] },
  async run(ctx) {
    const fingerprint = randomBytes(32).toString('hex');
    const { token, jwks } = benchToken(fingerprint);
    const options = { fingerprint, product: 'mixing_mentor' };
    const check = await verifyActivationToken(token, jwks, options);
    const decoded = decodeActivationToken(token);
    const data = Buffer.from(decoded.signingInput);
    const signature = Buffer.from(decoded.signature);
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwks.keys[0]!.x }, format: 'jwk' });
    const bareOk = verify(null, data, publicKey, signature);

    const full = () => verifyActivationToken(token, jwks, options);
    const bare = () => verify(null, data, publicKey, signature);
    await timeAsync(PER_ROUND, full);
    timeSync(PER_ROUND, bare);
    const fullRounds: number[] = [];
    const bareRounds: number[] = [];
    for (let r = 0; r < ROUNDS; r += 1) {
      fullRounds.push(await timeAsync(PER_ROUND, full));
      bareRounds.push(timeSync(PER_ROUND, bare));
    }
    ctx.note('rounds_us', { verifyActivationToken: fullRounds, crypto_verify: bareRounds });
    const invalid = !check.valid ? `verifyActivationToken said ${check.code}` : !bareOk ? 'crypto.verify refused the signature' : undefined;
    return [
      figure({
        benchmark: 'token',
        name: 'us/verify',
        unit: 'us',
        value: median(fullRounds),
        baseline: median(bareRounds),
        target: { kind: 'ratio_max', value: 1.3 },
        invalid,
      }),
    ];
  },
};
