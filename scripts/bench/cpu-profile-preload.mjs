/**
 * Preloaded into the API process by `npm run bench -- --profile <dir>` (through
 * NODE_OPTIONS=--import, which accepts no --cpu-prof): records a V8 CPU profile
 * from start to exit and writes it to NGN_CPU_PROFILE_DIR. Plain JavaScript
 * because it loads before the TypeScript loader.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const dir = process.env.NGN_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  process.on('exit', () => {
    // An in-process inspector session answers synchronously, so this completes before exit.
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `api-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
