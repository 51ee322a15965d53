/**
 * The release key ceremony (docs/releases.md), run on the operator's offline machine:
 *
 *   npm run release-keys -- init     --dir D                 root key pair (root.key.pem, root.pub.json)
 *   npm run release-keys -- delegate --dir D [--days 365]    a new release key + the next keyset version
 *   npm run release-keys -- rotate   --dir D [--days 365] [--overlap-days 30]
 *   npm run release-keys -- revoke   --dir D --kid K         the next keyset version without K
 *
 * D defaults to NGN_RELEASE_ROOT_DIR and must not be inside DATA_DIR. Each command
 * that changes the keyset writes D/keyset.json: install it on the API as
 * RELEASE_KEYSET_FILE (default DATA_DIR/release-keyset.json).
 */
import { parseArgs } from 'node:util';
import { assertOutside, delegate, initRoot, revoke, rotate } from './lib/release-keys';

const USAGE = 'Usage: npm run release-keys -- init|delegate|rotate|revoke --dir D [--days N] [--overlap-days N] [--kid K]';

function fail(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        dir: { type: 'string', default: process.env.NGN_RELEASE_ROOT_DIR },
        days: { type: 'string', default: '365' },
        'overlap-days': { type: 'string', default: '30' },
        kid: { type: 'string' },
      },
    });
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`, 64);
  }
  const { values, positionals } = parsed;
  const dir = values.dir ?? fail(`--dir is required (or set NGN_RELEASE_ROOT_DIR).\n${USAGE}`, 64);
  assertOutside(dir, process.env.DATA_DIR);
  const days = Number(values.days);
  const overlapDays = Number(values['overlap-days']);
  if (!(days > 0) || !(overlapDays >= 0)) fail('--days must be positive and --overlap-days not negative.', 64);
  const installHint = `Install ${dir}/keyset.json on the API as RELEASE_KEYSET_FILE (default DATA_DIR/release-keyset.json).`;
  switch (positionals[0]) {
    case 'init': {
      const root = await initRoot(dir);
      console.log(`Root key ${root.kid} created in ${dir}. Keep root.key.pem offline.`);
      console.log(`Pin root.pub.json in the Companion build: copy it to desktop/release-root.json.`);
      break;
    }
    case 'delegate':
    case 'rotate': {
      const { keyFile, key } = positionals[0] === 'delegate' ? await delegate(dir, { days }) : await rotate(dir, { days, overlapDays });
      console.log(`Release key ${key.kid} written to ${keyFile}: hand it to the publisher (NGN_RELEASE_KEY_FILE).`);
      console.log(installHint);
      break;
    }
    case 'revoke': {
      if (!values.kid) fail('--kid is required for revoke.', 64);
      await revoke(dir, values.kid);
      console.log(`Release key ${values.kid} removed from the keyset. ${installHint}`);
      break;
    }
    default:
      fail(USAGE, 64);
  }
}

main().catch((err: Error) => fail(err.message));
