import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../api/src/lib/logger';
import { devReleaseRootFile } from './dev-release-root';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DESKTOP = path.join(ROOT, 'desktop');

export interface RunningCompanion {
  description: string;
  close(): Promise<void>;
}

/** The Electron binary's path when its download was allowed at install time; otherwise undefined. */
function electronBinary(): string | undefined {
  try {
    const binary = createRequire(path.join(DESKTOP, 'package.json'))('electron') as unknown;
    return typeof binary === 'string' && existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

/** Newest modification time of any file under `dir`. */
function newestUnder(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** A build missing, or older than the sources it is made from (e.g. after a pull), is built again. */
function needsBuild(output: string): boolean {
  return !existsSync(output) || statSync(output).mtimeMs < newestUnder(path.join(DESKTOP, 'src'));
}

function build(script: string, logger: Logger): void {
  logger.info({ script }, 'building the companion');
  const result = spawnSync('npm', ['run', script, '-w', 'desktop'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm run ${script} -w desktop failed`);
}

/** How long the companion gets to stop by itself before its whole process group is killed. */
const STOP_GRACE_MS = 10_000;

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal);
  }
}

/** The companion runs in its own process group (it may wrap itself in a D-Bus session): stop all of it. */
function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => signalGroup(child, 'SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    signalGroup(child, 'SIGTERM');
  });
}

/**
 * Electron when its binary is installed; otherwise the same core behind the local
 * bridge, with the UI opened in the default browser (not on CI).
 */
export async function startCompanion(opts: { apiUrl: string; dataDir: string; logger: Logger }): Promise<RunningCompanion> {
  const env = {
    ...process.env,
    NGN_API_URL: opts.apiUrl,
    NGN_COMPANION_DATA: path.join(opts.dataDir, 'companion'),
    // The demo's development root: honoured by the bridge and an unpackaged Electron only.
    NGN_DEV_RELEASE_ROOT: devReleaseRootFile(opts.dataDir) ?? '',
  };
  const electron = electronBinary();
  if (electron) {
    if (needsBuild(path.join(DESKTOP, 'out/main/index.js'))) build('build', opts.logger);
    const child = spawn(electron, [DESKTOP], { cwd: DESKTOP, env, stdio: 'inherit', detached: true });
    return { description: 'Electron window', close: () => stopChild(child) };
  }
  if (needsBuild(path.join(DESKTOP, 'out/renderer/index.html'))) build('build:renderer', opts.logger);
  // The IPC channel is how the bridge learns that npm start is gone, even when it was killed
  // outright: its own process group would otherwise outlive it, holding its port and its output.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(DESKTOP, 'src/bridge/cli.ts')], {
    cwd: ROOT,
    env: { ...env, NGN_OPEN: process.env.CI ? '0' : '1' },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    detached: true,
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const match = /Open: (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`The companion bridge exited (${code}):\n${out}`)));
  });
  child.stdout!.resume();
  return { description: `in your browser at ${url} (no Electron binary installed)`, close: () => stopChild(child) };
}
