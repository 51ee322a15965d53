/**
 * `npm run companion:dev`: the companion core against an API, its UI served to
 * a browser over the local bridge.
 *
 *   NGN_API_URL          API origin (default http://127.0.0.1:3001)
 *   NGN_BRIDGE_PORT      port on 127.0.0.1 (default 5180; 0 picks a free one)
 *   NGN_COMPANION_DATA   data folder (default ./.data/companion)
 *   NGN_OPEN=1           open the page in the default browser
 *   NGN_DEV_RELEASE_ROOT the demo's development root public key (root.pub.json), trusted beside the pinned roots
 */
import path from 'node:path';
import { developmentReleaseRoots } from '../core/release-trust';
import { reexecWithKeyring } from './keyring-session';
import { startBridge } from './server';

const dataDir = path.resolve(process.env.NGN_COMPANION_DATA ?? path.join('.data', 'companion'));

async function main(): Promise<void> {
  if (reexecWithKeyring(path.join(dataDir, 'keyring'))) return;
  const bridge = await startBridge({
    apiUrl: process.env.NGN_API_URL ?? 'http://127.0.0.1:3001',
    port: Number(process.env.NGN_BRIDGE_PORT ?? 5180),
    dataDir,
    open: process.env.NGN_OPEN === '1',
    devOrigins: ['http://localhost:5173', 'http://127.0.0.1:5173'],
    core: { releaseRoots: developmentReleaseRoots() },
  });
  console.log(`\nNextGen Noise Companion (browser bridge) against ${bridge.core.settings.get().api_url}`);
  console.log(`Open: ${bridge.url}\n`);
  const stop = () => {
    void bridge.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Started by `npm start` with an IPC channel: it closes when npm start ends, however it ended.
  if (process.connected) process.once('disconnect', stop);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
