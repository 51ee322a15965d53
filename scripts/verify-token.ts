/**
 * `npm run verify-token -- FILE [--jwks URL|FILE] [--fingerprint HEX] [--product ID] [--entitlement E ...]`
 *
 * The reference verifier for plugin developers: checks an activation token file
 * the way a plugin must (signature against the JWKS, this machine's
 * fingerprint, product, license end, offline grace) and prints the verdict.
 * Exits 0 for VALID, 1 for any other verdict, 2 for usage or I/O errors.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
// A CommonJS bundle: its functions are only reachable through the default export.
import nodeMachineId from 'node-machine-id';
import { clockMarkPath, computeFingerprint, decodeActivationToken, decodeClockMark, Jwks, verifyActivationToken } from '@ngn/shared';

const DEFAULT_JWKS = 'http://127.0.0.1:3001/api/v1/keys';
const USAGE = 'Usage: npm run verify-token -- FILE [--jwks URL|FILE] [--fingerprint HEX] [--product ID] [--entitlement E]...';

async function loadJwks(source: string): Promise<Jwks> {
  const text = /^https?:\/\//.test(source)
    ? await fetch(source).then((res) => {
        if (!res.ok) throw new Error(`GET ${source} answered ${res.status}`);
        return res.text();
      })
    : await readFile(source, 'utf8');
  return Jwks.parse(JSON.parse(text));
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        jwks: { type: 'string', default: DEFAULT_JWKS },
        fingerprint: { type: 'string' },
        product: { type: 'string' },
        entitlement: { type: 'string', multiple: true },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const file = parsed.positionals[0];
  if (!file || parsed.positionals.length > 1) {
    console.error(USAGE);
    return 2;
  }
  const { values } = parsed;
  let token: string;
  let jwks: Jwks;
  try {
    token = (await readFile(file, 'utf8')).trim();
    jwks = await loadJwks(values.jwks!);
  } catch (err) {
    console.error(`Error: ${(err as Error).message}`);
    return 2;
  }
  const fingerprint = values.fingerprint?.toLowerCase() ?? (await computeFingerprint(nodeMachineId.machineIdSync(true)));
  // Without --product the token's own product is expected: this checks the token, not which plugin reads it.
  let product = values.product;
  if (!product) {
    try {
      product = decodeActivationToken(token).payload.product;
    } catch {
      product = '';
    }
  }
  // The clock mark beside a token file (the clock rule), read as a plugin reads it; this command never moves it.
  const markText = file.endsWith('.jwt') ? await readFile(clockMarkPath(file), 'utf8').catch(() => undefined) : undefined;
  const clockMark = markText ? await decodeClockMark(markText, product, fingerprint) : undefined;
  const verdict = await verifyActivationToken(token, jwks, { fingerprint, product, entitlements: values.entitlement, clockMark });
  const p = verdict.payload;
  console.log(
    JSON.stringify(
      {
        valid: verdict.valid,
        code: verdict.code,
        fingerprint,
        clock_mark: clockMark === undefined ? null : new Date(clockMark * 1000).toISOString(),
        ...(p
          ? {
              activation_id: p.sub,
              license_id: p.license_id,
              product: p.product,
              policy: p.policy,
              license_type: p.license_type,
              entitlements: p.entitlements,
              issued_at: new Date(p.iat * 1000).toISOString(),
              grace_ends_at: new Date(p.exp * 1000).toISOString(),
              license_expires_at: p.license_expires_at === null ? null : new Date(p.license_expires_at * 1000).toISOString(),
            }
          : {}),
      },
      null,
      2,
    ),
  );
  return verdict.valid ? 0 : 1;
}

main().then((code) => process.exit(code));
