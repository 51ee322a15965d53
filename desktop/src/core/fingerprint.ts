import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import { computeFingerprint, type HardwareComponents, type ReleasePlatform } from '@ngn/shared';
import nodeMachineId from 'node-machine-id';

/**
 * This machine's identity for licensing. The fingerprint is the `shared/` rule
 * applied to node-machine-id's raw id; the component hashes let the API
 * recognise the same hardware after an OS reinstall (new machine id). Every
 * value that leaves the machine is an HMAC: raw ids, serials and host names
 * stay here.
 */
export async function rawMachineId(): Promise<string> {
  return nodeMachineId.machineId(true);
}

export async function machineFingerprint(): Promise<string> {
  return computeFingerprint(await rawMachineId());
}

/** Same keyed hash as the fingerprint, namespaced per component so equal values differ across names. */
async function componentHash(name: string, value: string): Promise<string> {
  return computeFingerprint(`${name}:${value}`);
}

/** Hashes of whatever parts of the machine can be read without privileges; missing parts are left out. */
export async function hardwareComponents(): Promise<HardwareComponents> {
  const cpus = os.cpus();
  const raw: Record<string, string | null> = {
    cpu: cpus.length ? `${cpus[0]!.model.trim()}|${cpus.length}` : null,
    // A band, not the exact figure: firmware can reserve slightly different amounts between boots.
    memory: `${Math.round(os.totalmem() / 2 ** 30)}GiB`,
    hostname: os.hostname() || null,
    os: `${process.platform}-${os.arch()}`,
    board: await boardSerial(),
    disk: await diskSerial(),
  };
  const out: HardwareComponents = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value && value.trim()) out[name] = await componentHash(name, value.trim().toLowerCase());
  }
  return out;
}

export function releasePlatform(platform: string = process.platform): ReleasePlatform | null {
  if (platform === 'win32') return 'windows';
  if (platform === 'darwin') return 'macos';
  if (platform === 'linux') return 'linux';
  return null;
}

/** A readable OS name for the machine list, e.g. "Windows 11", "macOS 14", "Linux 6.1". */
export function osLabel(platform: string = process.platform, release: string = os.release()): string {
  const [majorText, , buildText] = release.split('.');
  const major = Number(majorText);
  if (platform === 'win32') return Number(buildText) >= 22000 ? 'Windows 11' : `Windows ${majorText ?? ''}`.trim();
  if (platform === 'darwin') {
    if (major >= 25) return `macOS ${major + 1}`;
    if (major >= 20) return `macOS ${major - 9}`;
    return `macOS 10.${major - 4}`;
  }
  if (platform === 'linux') return `Linux ${release.split('-')[0]}`;
  return `${platform} ${release}`.slice(0, 100);
}

export function machineName(): string {
  return (os.hostname() || 'This computer').slice(0, 100);
}

function run(cmd: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 3_000, windowsHide: true }, (err, stdout) => resolve(err ? null : stdout.toString()));
  });
}

async function readTrimmed(file: string): Promise<string | null> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return text || null;
  } catch {
    return null;
  }
}

const PLACEHOLDER_SERIAL = /^(none|default string|to be filled by o\.e\.m\.|0+|not specified|system serial number)$/i;
const usable = (value: string | null | undefined) => (value && !PLACEHOLDER_SERIAL.test(value.trim()) ? value.trim() : null);

async function boardSerial(): Promise<string | null> {
  if (process.platform === 'linux') {
    // Usually root-only; the product UUID is sometimes readable instead.
    return usable(await readTrimmed('/sys/class/dmi/id/board_serial')) ?? usable(await readTrimmed('/sys/class/dmi/id/product_uuid'));
  }
  if (process.platform === 'darwin') {
    const out = await run('ioreg', ['-rd1', '-c', 'IOPlatformExpertDevice']);
    return usable(/"IOPlatformSerialNumber" = "([^"]+)"/.exec(out ?? '')?.[1]);
  }
  if (process.platform === 'win32') {
    const out = await run('powershell.exe', ['-NoProfile', '-Command', '(Get-CimInstance Win32_BaseBoard).SerialNumber']);
    return usable(out?.trim());
  }
  return null;
}

async function diskSerial(): Promise<string | null> {
  if (process.platform === 'linux') {
    let devices: string[] = [];
    try {
      devices = (await readdir('/sys/block')).filter((d) => /^(sd[a-z]+|nvme\d+n\d+|vd[a-z]+|mmcblk\d+)$/.test(d)).sort();
    } catch {
      return null;
    }
    for (const dev of devices) {
      const serial = usable(await readTrimmed(`/sys/block/${dev}/device/serial`)) ?? usable(await readTrimmed(`/sys/block/${dev}/serial`));
      if (serial) return serial;
    }
    return null;
  }
  if (process.platform === 'win32') {
    const out = await run('powershell.exe', ['-NoProfile', '-Command', '(Get-CimInstance Win32_DiskDrive | Sort-Object Index | Select-Object -First 1).SerialNumber']);
    return usable(out?.trim());
  }
  // macOS: the platform serial above already identifies the hardware.
  return null;
}
