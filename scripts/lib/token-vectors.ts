import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Jwks, TokenVerdictCode } from '@ngn/shared';

/** The test vectors of docs/activation-token.md, read from the document itself so code and spec cannot drift. */
export interface TokenVectors {
  key: { private_key_seed_hex: string; jwks: Jwks };
  fingerprints: Array<{ raw_machine_id: string; fingerprint: string }>;
  tokens: Record<string, string>;
  verdicts: Array<{
    token: string;
    fingerprint: string;
    product: string;
    entitlements?: string[];
    now: string;
    clock_mark?: string;
    code: TokenVerdictCode;
  }>;
  license_keys: { valid: string[]; invalid: string[] };
  token_paths: Array<{ platform: string; env: Record<string, string>; homedir: string; product: string; path: string }>;
  clock_marks: Array<{ product: string; fingerprint: string; time: string; text: string }>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function tokenVectors(): TokenVectors {
  const doc = readFileSync(path.join(ROOT, 'docs/activation-token.md'), 'utf8');
  const block = /<!-- test-vectors:begin -->\s*```json\n([\s\S]+?)\n```\s*<!-- test-vectors:end -->/.exec(doc);
  if (!block) throw new Error('docs/activation-token.md has no test-vectors block');
  return JSON.parse(block[1]!) as TokenVectors;
}

export const seconds = (iso: string): number => Date.parse(iso) / 1000;

/** The vectors' Ed25519 key (RFC 8032 §7.1 test 1) as PKCS#8 PEM, for an API that signs with it in tests. */
export function vectorKeyPem(vectors: TokenVectors = tokenVectors()): string {
  const der = Buffer.from(`302e020100300506032b657004220420${vectors.key.private_key_seed_hex}`, 'hex');
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n`;
}
