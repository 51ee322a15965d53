import { renameSync, rmSync } from 'node:fs';

/**
 * Rotates a full log file: main.log becomes main.1.log, main.1.log becomes
 * main.2.log, ... and the oldest beyond `kept` is dropped. Synchronous because
 * electron-log calls it between two writes and expects the file gone on return.
 */
export function rotateLogFile(file: string, kept: number): void {
  const base = file.replace(/\.log$/, '');
  rmSync(`${base}.${kept}.log`, { force: true });
  for (let i = kept - 1; i >= 1; i -= 1) {
    try {
      renameSync(`${base}.${i}.log`, `${base}.${i + 1}.log`);
    } catch {
      // that archive does not exist yet
    }
  }
  renameSync(file, `${base}.1.log`);
}
