import { seconds, type TokenVectors } from './token-vectors';

/** A C string literal for any text (escapes everything outside printable ASCII). */
function c(text: string | undefined | null): string {
  if (text === undefined || text === null) return 'NULL';
  let out = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte < 0x7f && byte !== 0x3f) out += String.fromCharCode(byte);
    else out += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/** docs/activation-token.md's vectors as a C header for the SDK's test program. */
export function vectorsHeader(v: TokenVectors): string {
  const lines = ['/* Generated from docs/activation-token.md by the plugin SDK test runner: do not edit. */', '#include "ngn_license.h"', ''];
  lines.push(`#define VECTOR_SEED_HEX ${c(v.key.private_key_seed_hex)}`);
  lines.push('static const ngn_public_key VECTOR_KEYS[] = {');
  for (const k of v.key.jwks.keys) lines.push(`    { ${c(k.kid)}, ${c(k.x)} },`);
  lines.push('};', `#define VECTOR_KEY_COUNT ${v.key.jwks.keys.length}`, '');

  lines.push('typedef struct { const char *name; const char *token; const char *fingerprint; const char *product;');
  lines.push('    const char *const *entitlements; int64_t now; int64_t clock_mark; const char *code; } verdict_vector;');
  v.verdicts.forEach((d, i) => {
    if (d.entitlements) lines.push(`static const char *const ENTITLEMENTS_${i}[] = { ${[...d.entitlements.map(c), 'NULL'].join(', ')} };`);
  });
  lines.push('static const verdict_vector VERDICTS[] = {');
  v.verdicts.forEach((d, i) => {
    lines.push(
      `    { ${c(`${d.token} at ${d.now}`)}, ${c(v.tokens[d.token])}, ${c(d.fingerprint)}, ${c(d.product)}, ${d.entitlements ? `ENTITLEMENTS_${i}` : 'NULL'}, ` +
        `${seconds(d.now)}, ${d.clock_mark ? seconds(d.clock_mark) : 0}, ${c(d.code)} },`,
    );
  });
  lines.push('};', '');

  lines.push('typedef struct { const char *raw; const char *fingerprint; } fingerprint_vector;');
  lines.push('static const fingerprint_vector FINGERPRINTS[] = {');
  for (const f of v.fingerprints) lines.push(`    { ${c(f.raw_machine_id)}, ${c(f.fingerprint)} },`);
  lines.push('};', '');

  lines.push('typedef struct { const char *platform; const char *home; const char *app_data; const char *xdg_data_home; const char *product; const char *path; } path_vector;');
  lines.push('static const path_vector TOKEN_PATHS[] = {');
  for (const p of v.token_paths)
    lines.push(`    { ${c(p.platform)}, ${c(p.homedir)}, ${c(p.env.APPDATA)}, ${c(p.env.XDG_DATA_HOME)}, ${c(p.product)}, ${c(p.path)} },`);
  lines.push('};', '');

  lines.push('typedef struct { const char *product; const char *fingerprint; int64_t seconds; const char *text; } mark_vector;');
  lines.push('static const mark_vector CLOCK_MARKS[] = {');
  for (const m of v.clock_marks) lines.push(`    { ${c(m.product)}, ${c(m.fingerprint)}, ${seconds(m.time)}, ${c(m.text)} },`);
  lines.push('};', '');
  return lines.join('\n');
}
