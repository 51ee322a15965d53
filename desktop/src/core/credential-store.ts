import { CompanionError } from '../contract/errors';

export const KEYCHAIN_SERVICE = 'NextGen Noise Companion';

type Keytar = typeof import('keytar');

/**
 * keytar is an optional dependency: it is a native module that builds from
 * source where no prebuilt binary can be fetched, which needs libsecret's
 * headers on Linux. A machine without them still installs everything else
 * (the API, `npm start`, the tests); only the keychain then says what to install.
 */
let keytarModule: Promise<Keytar> | undefined;
function loadKeytar(): Promise<Keytar> {
  keytarModule ??= import('keytar').then(
    (m) => ((m as { default?: Keytar }).default ?? m) as Keytar,
    (err: unknown) => {
      throw keytarMissing(err);
    },
  );
  return keytarModule;
}

/** The packages that let keytar build, per system. */
export function keychainBuildHint(platform: string = process.platform): string {
  if (platform === 'linux') {
    return 'Install the Secret Service library and a keyring, then run `npm install` again: on Debian or Ubuntu `sudo apt-get install libsecret-1-dev gnome-keyring`, on Fedora `sudo dnf install libsecret-devel gnome-keyring`.';
  }
  if (platform === 'darwin') return 'Install the Xcode command line tools (`xcode-select --install`), then run `npm install` again.';
  return 'Install the Visual Studio Build Tools (C++ workload), then run `npm install` again.';
}

function keytarMissing(err: unknown): CompanionError {
  const raw = err instanceof Error ? err.message : String(err);
  return new CompanionError('keychain_unavailable', `The keychain module (keytar) is not installed on this machine. ${keychainBuildHint()}`, {
    details: { cause: raw },
    cause: err,
  });
}

/**
 * Secrets in the OS keychain (macOS Keychain, Windows Credential Manager, the
 * Secret Service on Linux) through keytar: the refresh token and the activation
 * tokens. Nothing secret is written to disk in plaintext by the companion.
 */
export class CredentialStore {
  constructor(readonly service: string = KEYCHAIN_SERVICE) {}

  async get(account: string): Promise<string | null> {
    return this.call((keytar) => keytar.getPassword(this.service, account));
  }

  async set(account: string, secret: string): Promise<void> {
    await this.call((keytar) => keytar.setPassword(this.service, account, secret));
  }

  async delete(account: string): Promise<boolean> {
    return this.call((keytar) => keytar.deletePassword(this.service, account));
  }

  /** Every entry of this service whose account starts with `prefix`. */
  async list(prefix = ''): Promise<Array<{ account: string; secret: string }>> {
    const all = await this.call((keytar) => keytar.findCredentials(this.service));
    return all.filter((c) => c.account.startsWith(prefix)).map((c) => ({ account: c.account, secret: c.password }));
  }

  /** Removes every entry of this service (sign-out and tests). */
  async wipe(prefix = ''): Promise<number> {
    const entries = await this.list(prefix);
    for (const entry of entries) await this.delete(entry.account);
    return entries.length;
  }

  private async call<T>(fn: (keytar: Keytar) => Promise<T>): Promise<T> {
    const keytar = await loadKeytar();
    try {
      return await fn(keytar);
    } catch (err) {
      throw keychainError(err);
    }
  }
}

/** Says what to do instead of echoing libsecret's or D-Bus's own wording. */
function keychainError(err: unknown): CompanionError {
  const raw = err instanceof Error ? err.message : String(err);
  let message = `The system keychain could not be used (${raw}).`;
  if (process.platform === 'linux') {
    message +=
      ' The companion keeps your sign-in in the Secret Service. Install and unlock a keyring such as' +
      ' GNOME Keyring or KWallet (on a desktop session they usually start with it), or run inside a' +
      ' D-Bus session with one unlocked, e.g. `dbus-run-session -- sh -c \'echo -n PASSWORD |' +
      ' gnome-keyring-daemon --unlock --components=secrets; exec YOUR_COMMAND\'`.';
  } else if (process.platform === 'darwin') {
    message += ' Unlock your login keychain in Keychain Access and try again.';
  } else {
    message += ' Make sure Windows Credential Manager is available for your account and try again.';
  }
  return new CompanionError('keychain_unavailable', message, { details: { cause: raw }, cause: err });
}
