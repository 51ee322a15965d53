/**
 * `npm run plugin-sdk:test`: builds the C SDK and the JUCE example plugin, then
 * proves them: the SDK's own C tests (every spec vector, the whole check on
 * files, the clock rule, a mutation fuzz) built with sanitizers on gcc and clang,
 * warning-free; then the TypeScript-side tests in plugin-sdk/test (C and
 * TypeScript agree; tokens from a running API verify in C; the plugin, in a real
 * LV2 host, plays licensed audio and is silent otherwise).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { vectorsHeader } from './lib/plugin-sdk-vectors-header';
import { tokenVectors } from './lib/token-vectors';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SDK = path.join(ROOT, 'plugin-sdk');
const BUILD = path.join(SDK, 'build');
const GENERATED = path.join(BUILD, 'generated');

const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

function requireTools(): void {
  const missing = ['cmake', 'cc', 'c++', 'pkg-config', 'lv2apply', 'lv2file', 'sox', 'faketime'].filter((c) => !has(c));
  for (const lib of ['libsodium', 'lv2', 'libsecret-1']) if (spawnSync('pkg-config', ['--exists', lib]).status !== 0) missing.push(lib);
  if (missing.length) {
    console.error(
      `plugin-sdk:test needs ${missing.join(', ')}. On Debian: apt-get install build-essential cmake pkg-config libsodium-dev ` +
        'libsecret-1-dev juce-modules-source lv2-dev lilv-utils lv2file sox faketime',
    );
    process.exit(1);
  }
}

function run(step: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  const started = Date.now();
  console.log(`\n# ${step}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) {
        console.log(`# ${step}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        resolve();
      } else reject(new Error(`${step} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

const cores = String(availableParallelism());

/** Configures a CMake project into `dir` and builds it (or one target of it): the two steps every build here takes. */
async function cmake(what: string, source: string, dir: string, options: string[], target?: string): Promise<void> {
  await run(`configure ${what}`, 'cmake', ['-S', source, '-B', dir, ...options]);
  await run(`build ${what}`, 'cmake', ['--build', dir, '-j', cores, ...(target ? ['--target', target] : [])]);
}

async function buildSdk(compiler: string): Promise<string> {
  const dir = path.join(BUILD, compiler);
  await cmake(`the SDK with ${compiler} (-Wall -Wextra -Werror, sanitizers)`, SDK, dir, [
    `-DCMAKE_C_COMPILER=${compiler}`, '-DCMAKE_BUILD_TYPE=Debug',
    '-DNGN_BUILD_TESTS=ON', '-DNGN_SANITIZE=ON', '-DNGN_WARNINGS_AS_ERRORS=ON', `-DNGN_TEST_VECTORS_DIR=${GENERATED}`,
  ]);
  const scratch = path.join(BUILD, `scratch-${compiler}`);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  await run(`the SDK's C tests (${compiler})`, path.join(dir, 'ngn-tests'), [scratch]);
  return dir;
}

/**
 * The Windows sources, compiled (not linked: there is no Windows libsodium here)
 * with MinGW-w64, warning-free. libsodium's headers are the host's, given alone.
 */
async function compileForWindows(): Promise<void> {
  const headers = path.join(GENERATED, 'sodium-headers');
  rmSync(headers, { recursive: true, force: true });
  mkdirSync(headers, { recursive: true });
  const include = spawnSync('pkg-config', ['--variable=includedir', 'libsodium'], { encoding: 'utf8' }).stdout.trim() || '/usr/include';
  symlinkSync(path.join(include, 'sodium.h'), path.join(headers, 'sodium.h'));
  symlinkSync(path.join(include, 'sodium'), path.join(headers, 'sodium'));
  const dir = path.join(BUILD, 'windows');
  await cmake('the SDK for Windows (MinGW-w64, compiled, not linked)', SDK, dir, [
    `-DCMAKE_TOOLCHAIN_FILE=${path.join(SDK, 'cmake/mingw-w64.cmake')}`, '-DNGN_WARNINGS_AS_ERRORS=ON',
    `-DNGN_SODIUM_INCLUDE=${headers}`, '-DNGN_SODIUM_LIBRARY=sodium',
  ], 'ngn_license');
}

async function buildLv2Example(jwksFile: string): Promise<void> {
  await cmake('the plain LV2 example plugin', path.join(SDK, 'examples/lv2-gain'), path.join(BUILD, 'lv2-gain'), [
    `-DNGN_JWKS=${jwksFile}`, '-DNGN_WARNINGS_AS_ERRORS=ON', '-DCMAKE_BUILD_TYPE=Release', '-DNGN_BUILD_EXAMPLE_TESTS=ON',
  ]);
}

async function buildJuceExample(jwksFile: string): Promise<void> {
  await cmake('the JUCE example plugin (LV2, Standalone)', path.join(SDK, 'examples/juce-plugin'), path.join(BUILD, 'juce-plugin'), [
    `-DNGN_JWKS=${jwksFile}`, '-DCMAKE_BUILD_TYPE=Release',
    // The plugin is tested, not shipped: -O1 keeps the JUCE build to a few minutes on two cores.
    '-DCMAKE_CXX_FLAGS_RELEASE=-O1', '-DCMAKE_C_FLAGS_RELEASE=-O1',
  ]);
}

async function main(): Promise<void> {
  requireTools();
  mkdirSync(GENERATED, { recursive: true });
  const vectors = tokenVectors();
  writeFileSync(path.join(GENERATED, 'ngn_test_vectors.h'), vectorsHeader(vectors));
  // The example pins the spec's test key, so the host test's API signs with that key (never a real deployment's).
  const jwksFile = path.join(GENERATED, 'test-vector-jwks.json');
  writeFileSync(jwksFile, JSON.stringify(vectors.key.jwks, null, 2));

  await buildSdk('gcc');
  if (has('clang')) await buildSdk('clang');
  else console.log('# clang is not installed: the SDK was built with gcc only');
  if (has('x86_64-w64-mingw32-gcc')) await compileForWindows();
  else console.log('# MinGW-w64 is not installed: the Windows sources were not compiled');
  await buildLv2Example(jwksFile);
  await buildJuceExample(jwksFile);
  await run('cross-language and plugin-host tests', process.execPath, ['--import', 'tsx', 'scripts/test.ts', 'plugin-sdk/test/'], {
    NGN_PLUGIN_SDK_BUILD: BUILD,
  });
}

main().catch((err: Error) => {
  console.error(`plugin-sdk:test: ${err.message}`);
  process.exit(1);
});
