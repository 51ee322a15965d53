import { randomBytes, randomInt, randomUUID } from 'node:crypto';

/** One HTTP request as the load generator sends it. */
export interface BenchRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * Request makers, run inside the load process: a benchmark names one and
 * passes its JSON arguments, so bodies that must be fresh per request (new
 * fingerprints, new event ids) are made where the requests are sent.
 */
export interface ScenarioArgs {
  /**
   * A fixed list of requests, picked at random; with `clientAddresses`, each
   * request claims one of that many client addresses in X-Forwarded-For (for an
   * API behind a trusted proxy, as a fleet of machines reaches it).
   */
  pool: { requests: BenchRequest[]; clientAddresses?: number };
  /** Activations of machines never seen before, spread over many licenses. */
  activation: { path: string; seats: Array<{ token: string; license_key: string }> };
  /** Telemetry batches of fresh events. */
  telemetry: { path: string; tokens: string[]; batchSize: number };
}
export type ScenarioName = keyof ScenarioArgs;

const json = { 'content-type': 'application/json' };
const pick = <T>(list: T[]): T => list[randomInt(list.length)]!;

const FEATURES = ['ghost_needle', 'target_curve', 'text_feed', 'loudness_match', 'reference_ab'];
const DAWS = ['Studio One Pro', 'Ableton Live', 'Logic Pro', 'Reaper', 'Cubase'];
const OSES = ['Windows 11', 'macOS 14', 'Ubuntu 24.04'];

/** One telemetry event like the plugin sends: what both the API and the baseline store. */
export function telemetryEvent(): Record<string, unknown> {
  return {
    event_id: randomUUID(),
    event_type: 'session_end',
    daw_type: pick(DAWS),
    os: pick(OSES),
    plugin_version: '1.2.0',
    app_version: '0.4.1',
    session_duration_secs: randomInt(60, 7200),
    features_used: [pick(FEATURES), pick(FEATURES)].filter((f, i, all) => all.indexOf(f) === i),
    custom_data: { sample_rate: 48000 },
  };
}

export function createScenario<N extends ScenarioName>(name: N, args: ScenarioArgs[N]): () => BenchRequest {
  switch (name) {
    case 'pool': {
      const { requests, clientAddresses } = args as ScenarioArgs['pool'];
      if (!clientAddresses) return () => pick(requests);
      return () => {
        const r = pick(requests);
        const n = randomInt(clientAddresses);
        return { ...r, headers: { ...r.headers, 'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` } };
      };
    }
    case 'activation': {
      const { path, seats } = args as ScenarioArgs['activation'];
      return () => {
        const seat = pick(seats);
        return {
          method: 'POST',
          path,
          headers: { ...json, authorization: `Bearer ${seat.token}` },
          body: JSON.stringify({
            license_key: seat.license_key,
            hardware_id: randomBytes(32).toString('hex'),
            machine_name: 'Bench Machine',
            os: 'Linux',
          }),
        };
      };
    }
    case 'telemetry': {
      const { path, tokens, batchSize } = args as ScenarioArgs['telemetry'];
      return () => ({
        method: 'POST',
        path,
        headers: { ...json, authorization: `Bearer ${pick(tokens)}` },
        body: JSON.stringify({ events: Array.from({ length: batchSize }, telemetryEvent) }),
      });
    }
    default:
      throw new Error(`Unknown scenario ${String(name)}`);
  }
}
