/**
 * Where the companion writes a product's activation token and where the plugin
 * reads it: one file per product in the per-user data folder.
 *
 *   Windows  %APPDATA%\NextGen Noise\activations\<product>.jwt
 *   macOS    ~/Library/Application Support/NextGen Noise/activations/<product>.jwt
 *   Linux    $XDG_DATA_HOME/nextgen-noise/activations/<product>.jwt
 *            (~/.local/share/nextgen-noise/... when XDG_DATA_HOME is unset or relative)
 *
 * A pure function of its inputs, so it is the same in the companion, the
 * verifier CLI and tests, and it is easy to port to a plugin.
 */
export interface TokenFileEnvironment {
  /** process.platform style: 'win32', 'darwin', 'linux', ... */
  platform: string;
  env: Record<string, string | undefined>;
  homedir: string;
}

export const PRODUCT_ID_PATTERN = /^[a-z][a-z0-9_]{1,62}$/;
export const TOKEN_FILE_EXTENSION = '.jwt';

function join(separator: string, ...parts: string[]): string {
  return parts.map((p, i) => (i === 0 ? p.replace(/[\\/]+$/, '') : p)).join(separator);
}

export function activationTokenDirectory({ platform, env, homedir }: TokenFileEnvironment): string {
  if (platform === 'win32') {
    const appData = env.APPDATA || join('\\', homedir, 'AppData', 'Roaming');
    return join('\\', appData, 'NextGen Noise', 'activations');
  }
  if (platform === 'darwin') {
    return join('/', homedir, 'Library', 'Application Support', 'NextGen Noise', 'activations');
  }
  // The XDG spec says relative values are invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME?.startsWith('/') ? env.XDG_DATA_HOME : join('/', homedir, '.local', 'share');
  return join('/', xdg, 'nextgen-noise', 'activations');
}

export function activationTokenPath(where: TokenFileEnvironment, product: string): string {
  if (!PRODUCT_ID_PATTERN.test(product)) throw new Error(`Not a product id: ${product}`);
  return join(where.platform === 'win32' ? '\\' : '/', activationTokenDirectory(where), `${product}${TOKEN_FILE_EXTENSION}`);
}
