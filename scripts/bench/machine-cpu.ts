import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * Where a run's CPU went, read from Linux's /proc: the whole machine's busy
 * share, and the core-seconds of the server under load and of the load
 * generator. What is left of the machine's busy time is mostly PostgreSQL.
 * On two cores shared by all three, a throughput ratio is a ratio of CPU per
 * request: this is what shows it.
 */
export interface CpuUse {
  /** Share of all the machine's cores that was busy, 0 to 1. */
  busyShare: number;
  /** CPU milliseconds per recorded request. */
  msPerRequest: { machine: number; server?: number; loadGenerator: number };
}

interface Ticks {
  busy: number;
  total: number;
  server?: number;
}

function readTicks(serverPid?: number): Ticks | undefined {
  try {
    // cpu  user nice system idle iowait irq softirq steal …: waiting on I/O counts as idle.
    const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number) as number[];
    const busy = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
    return { busy, total: busy + idle! + iowait!, server: serverPid ? processTicks(serverPid) : undefined };
  } catch {
    return undefined; // not Linux: the figures are printed without it
  }
}

/** utime + stime of one process, in the same clock ticks as /proc/stat. */
function processTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces; fields 14 and 15 follow it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** Starts measuring; `finish` returns the CPU use since, per request. */
export function measureCpu(serverPid?: number): { finish(requests: number): CpuUse | undefined } {
  const before = readTicks(serverPid);
  const ownBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  return {
    finish(requests) {
      const after = readTicks(serverPid);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (!before || !after || !requests || after.total === before.total) return undefined;
      const cores = availableParallelism();
      // Ticks summed over all cores: a tick is this many core-milliseconds.
      const msPerTick = (cores * seconds * 1000) / (after.total - before.total);
      const own = process.cpuUsage(ownBefore);
      const server = before.server !== undefined && after.server !== undefined ? ((after.server - before.server) * msPerTick) / requests : undefined;
      return {
        busyShare: (after.busy - before.busy) / (after.total - before.total),
        msPerRequest: {
          machine: ((after.busy - before.busy) * msPerTick) / requests,
          ...(server !== undefined ? { server } : {}),
          loadGenerator: (own.user + own.system) / 1000 / requests,
        },
      };
    },
  };
}

/** One line: how busy the machine was and where each request's CPU went (`per` names a request: a batch, say). */
export function describeCpu(label: string, cpu: CpuUse | undefined, per = 'request'): string {
  if (!cpu) return `${label}: CPU use not measured (no /proc)`;
  const { machine, server, loadGenerator } = cpu.msPerRequest;
  const rest = machine - (server ?? 0) - loadGenerator;
  const parts = server !== undefined ? `server ${server.toFixed(3)} + load generator ${loadGenerator.toFixed(3)} + the rest (PostgreSQL) ${rest.toFixed(3)}` : `load generator ${loadGenerator.toFixed(3)}`;
  return `${label}: machine ${(cpu.busyShare * 100).toFixed(0)}% busy, CPU per ${per} ${machine.toFixed(3)} ms = ${parts}`;
}
