import type { HardwareComponents } from '@ngn/shared';

/**
 * Re-binding after a reinstall. A reinstalled OS (or a cloned disk) gets a new
 * machine id, hence a new fingerprint, on the same hardware. The companion also
 * sends hashes of hardware parts (cpu, board serial, disk, hostname ...). A new
 * fingerprint takes over the seat of a live activation of the same license when:
 *
 *   - at least REBIND_MIN_COMPARED component names are present on both sides,
 *   - strictly more than half of those compared components have equal hashes, and
 *   - at least one equal component is machine-specific: not one of GENERIC_COMPONENTS
 *     (cpu model, memory size, os), which two identical machines share.
 *
 * Only the component names the Companion sends are compared (KNOWN_COMPONENTS):
 * a client that invents more names cannot pad the comparison. Only a seat whose
 * machine has not sent a heartbeat for REBIND_IDLE_DAYS can be taken over: a
 * machine still in use is a second machine, not a reinstall.
 *
 * When several activations qualify, the one with the most equal components wins
 * (then the most recently seen). The old activation is deactivated with reason
 * `rebound`, which counts against the policy's deactivation budget, so two
 * machines cannot pass one seat back and forth without limit, and it stays
 * pending while its token lasts, like any machine deactivated from elsewhere.
 */
export const REBIND_MIN_COMPARED = 3;
export const REBIND_IDLE_DAYS = 7;
export const KNOWN_COMPONENTS: ReadonlySet<string> = new Set(['cpu', 'memory', 'hostname', 'os', 'board', 'disk']);
export const GENERIC_COMPONENTS: ReadonlySet<string> = new Set(['cpu', 'memory', 'os']);

export interface ComponentComparison {
  compared: string[];
  changed: string[];
}

export function compareComponents(previous: HardwareComponents, current: HardwareComponents): ComponentComparison {
  const compared = Object.keys(current)
    .filter((name) => KNOWN_COMPONENTS.has(name) && Object.hasOwn(previous, name))
    .sort();
  return { compared, changed: compared.filter((name) => previous[name] !== current[name]) };
}

export function isSameMachine({ compared, changed }: ComponentComparison): boolean {
  const equal = compared.filter((name) => !changed.includes(name));
  return (
    compared.length >= REBIND_MIN_COMPARED &&
    equal.length * 2 > compared.length &&
    equal.some((name) => !GENERIC_COMPONENTS.has(name))
  );
}

export function findRebindCandidate<T extends { components: HardwareComponents; last_seen_at: Date; last_heartbeat_at: Date | null; activated_at: Date }>(
  current: HardwareComponents | undefined,
  live: T[],
  now: Date,
): { activation: T; changed: string[] } | undefined {
  if (!current) return undefined;
  const idleSince = now.getTime() - REBIND_IDLE_DAYS * 86_400_000;
  let best: { activation: T; changed: string[]; equal: number } | undefined;
  for (const activation of live) {
    if ((activation.last_heartbeat_at ?? activation.activated_at).getTime() > idleSince) continue;
    const comparison = compareComponents(activation.components, current);
    if (!isSameMachine(comparison)) continue;
    const equal = comparison.compared.length - comparison.changed.length;
    if (
      !best ||
      equal > best.equal ||
      (equal === best.equal && activation.last_seen_at > best.activation.last_seen_at)
    ) {
      best = { activation, changed: comparison.changed, equal };
    }
  }
  return best && { activation: best.activation, changed: best.changed };
}
