import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/**
 * On a Linux machine without a desktop session there is no Secret Service, so
 * the keychain cannot work. When `dbus-run-session` and `gnome-keyring-daemon`
 * are installed, re-runs this process inside a private D-Bus session with a
 * keyring kept in `keyringDir` and unlocked with a fixed local password: the
 * sign-in then survives restarts of the development companion. Returns true
 * when the process was re-executed (the caller stops), false when nothing was needed.
 */
export function reexecWithKeyring(keyringDir: string): boolean {
  if (process.platform !== 'linux' || process.env.DBUS_SESSION_BUS_ADDRESS || process.env.NGN_NO_DBUS) return false;
  const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
  if (!has('dbus-run-session') || !has('gnome-keyring-daemon')) return false;
  mkdirSync(keyringDir, { recursive: true, mode: 0o700 });
  // Only the keyring daemon sees the changed XDG_DATA_HOME: the companion's own paths stay the user's.
  const inner =
    'echo -n ngn-dev-keyring | XDG_DATA_HOME="$NGN_KEYRING_DIR" gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "$@"';
  const child = spawn('dbus-run-session', ['--', 'sh', '-c', inner, 'sh', process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NGN_KEYRING_DIR: keyringDir },
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  // The channel to whoever started this process (npm start) stays here, not in the re-run one.
  if (process.connected) process.once('disconnect', forward('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return true;
}
