/**
 * `npm run check:builder -w desktop`: validates electron-builder.yml without
 * Electron's binary. electron-builder's own schema check runs first (the same
 * one `electron-builder` runs before packaging); then the rules this project
 * holds to (fuses, asar, per-user Windows install, hardened macOS runtime, the
 * API's update feed, the deep-link scheme). With `--built`, also checks that
 * `npm run build` left the entry points the config ships. `--config FILE`
 * checks another file (the tests check that a weakened config fails).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DebugLogger } from 'builder-util';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import type { Configuration } from 'app-builder-lib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const configArg = process.argv.indexOf('--config');
const CONFIG = configArg > 0 ? path.resolve(process.argv[configArg + 1] ?? '') : path.join(ROOT, 'electron-builder.yml');

type Check = [ok: boolean, what: string];

function rules(config: Configuration): Check[] {
  const fuses = config.electronFuses ?? {};
  const targets = (list: unknown) => JSON.stringify(list ?? []);
  const publish = Array.isArray(config.publish) ? config.publish[0] : config.publish;
  const appDir = path.join(ROOT, config.directories?.app ?? '.');
  return [
    [config.asar === true, 'asar is on'],
    [fuses.runAsNode === false, 'fuse RunAsNode is off'],
    [fuses.enableNodeOptionsEnvironmentVariable === false, 'fuse NODE_OPTIONS is off'],
    [fuses.enableNodeCliInspectArguments === false, 'fuse --inspect arguments is off'],
    [fuses.onlyLoadAppFromAsar === true, 'fuse only-load-app-from-asar is on'],
    [fuses.enableEmbeddedAsarIntegrityValidation === true, 'fuse asar integrity validation is on'],
    [config.nsis?.perMachine === false && config.nsis?.allowElevation === false, 'Windows NSIS installs per user, without elevation'],
    [targets(config.win?.target).includes('nsis'), 'Windows builds an NSIS installer'],
    [targets(config.mac?.target).includes('dmg') && targets(config.mac?.target).includes('zip'), 'macOS builds dmg and zip (zip feeds electron-updater)'],
    [config.mac?.hardenedRuntime === true, 'macOS uses the hardened runtime'],
    [!!config.mac?.entitlements && existsSync(path.join(ROOT, config.mac.entitlements)), 'macOS entitlements file exists'],
    [targets(config.linux?.target).includes('AppImage') && targets(config.linux?.target).includes('deb'), 'Linux builds AppImage and deb'],
    [
      typeof publish === 'object' && publish !== null && publish.provider === 'generic' && /\/api\/v1\/updates\/companion\/(stable|beta)$/.test((publish as { url?: string }).url ?? ''),
      'publish is the API update feed (generic provider)',
    ],
    [!!config.protocols && JSON.stringify(config.protocols).includes('"nextgennoise"'), 'the nextgennoise:// scheme is registered'],
    [!!config.artifactName?.includes('${version}') && config.artifactName.includes('${arch}'), 'artifact names carry version and arch'],
    [existsSync(path.join(appDir, 'package.json')), `the app folder ${config.directories?.app} has a package.json`],
  ];
}

function builtEntries(config: Configuration): Check[] {
  const appDir = path.join(ROOT, config.directories?.app ?? '.');
  return ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html'].map((f) => [existsSync(path.join(appDir, f)), `${f} is built`]);
}

async function main(): Promise<number> {
  const config = await getConfig(ROOT, CONFIG, null);
  try {
    await validateConfiguration(config, new DebugLogger(false));
  } catch (err) {
    console.error(`${path.basename(CONFIG)}: electron-builder refuses it:\n${(err as Error).message}`);
    return 1;
  }
  console.log(`ok   ${path.basename(CONFIG)} passes electron-builder's schema`);
  const checks = [...rules(config), ...(process.argv.includes('--built') ? builtEntries(config) : [])];
  for (const [ok, what] of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  return checks.every(([ok]) => ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
