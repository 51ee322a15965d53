/**
 * `npm run lint:electron -w desktop`: Doyensec's electronegativity over the
 * companion's source (main, preload, renderer together, so its global checks
 * see the navigation limits and CSP set in main) and over the built bundle
 * when `out/` exists. Prints every finding; exits 1 on any HIGH one.
 * Folders given as arguments are scanned instead (the tests check that a
 * known-bad window fails).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Issue {
  id: string;
  file: string;
  location: { line: number; column: number };
  severity: { name: string };
  confidence: { name: string };
  manualReview: boolean;
  description: string;
}
type Run = (options: Record<string, unknown>, forCli: boolean) => Promise<{ issues: Issue[]; errors: Array<{ file: string; message: string; tolerable: boolean }> }>;

const require = createRequire(import.meta.url);
const run = require('@doyensec/electronegativity') as Run;
const DESKTOP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ELECTRON_VERSION = (require('electron/package.json') as { version: string }).version;

async function scan(input: string): Promise<{ high: number; failedToParse: number }> {
  const result = await run(
    { input, isRelative: true, customScan: [], excludeFromScan: [], parserPlugins: [], electronVersionOverride: ELECTRON_VERSION },
    false,
  );
  console.log(`\n${path.relative(DESKTOP, input) || '.'}: ${result.issues.length} finding(s)`);
  for (const i of result.issues) {
    const review = i.manualReview ? ' (review)' : '';
    console.log(`  ${i.severity.name.padEnd(6)} ${i.confidence.name.padEnd(9)} ${i.id}${review}  ${i.file}:${i.location.line}`);
  }
  const fatal = result.errors.filter((e) => !e.tolerable);
  for (const e of fatal) console.log(`  PARSE ERROR ${e.file}: ${e.message}`);
  return { high: result.issues.filter((i) => i.severity.name === 'HIGH').length, failedToParse: fatal.length };
}

async function main(): Promise<number> {
  const given = process.argv.slice(2).map((p) => path.resolve(p));
  const inputs = given.length ? given : [path.join(DESKTOP, 'src')];
  if (!given.length && existsSync(path.join(DESKTOP, 'out', 'main'))) inputs.push(path.join(DESKTOP, 'out'));
  let high = 0;
  let failed = 0;
  for (const input of inputs) {
    const r = await scan(input);
    high += r.high;
    failed += r.failedToParse;
  }
  if (high || failed) {
    console.error(`\nelectronegativity: ${high} HIGH finding(s), ${failed} file(s) not parsed`);
    return 1;
  }
  console.log('\nelectronegativity: no HIGH findings');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
