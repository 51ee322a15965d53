import { readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { TelemetryEvent, TelemetryEventType, Uuid } from '@ngn/shared';
import type { Logger } from './logger';
import type { TelemetryQueue } from './telemetry-queue';

/**
 * Telemetry from plugins, which have no network code: the plugin SDK's
 * ngn_telemetry_record appends JSON lines to "<product>.telemetry" beside the
 * product's token; the Companion takes those spools on its telemetry schedule
 * and sends their events through its own queue, attributed to this machine's
 * activation. With telemetry off, spools are deleted unread.
 *
 * Taking a spool renames it first (the plugin then starts a new one), reads
 * it, queues every event under the event_id the plugin gave it, and only then
 * deletes it: a Companion that dies in between reads the renamed file again
 * next time, and the server counts each event once.
 */
const SPOOL = /^([a-z][a-z0-9_]{1,62})\.telemetry(\.taking)?$/;

/** One line as the SDK writes it; what a plugin may report is the API's telemetry event without the Companion's own fields. */
const SpoolLine = z.object({
  event_id: Uuid,
  event_type: TelemetryEventType,
  recorded_at: z.number().int().positive(),
  fields: z.record(z.string(), z.unknown()),
});
const PluginFields = TelemetryEvent.pick({
  daw_type: true,
  plugin_version: true,
  session_duration_secs: true,
  features_used: true,
  crash_report: true,
  custom_data: true,
}).strict();

/** A plugin appends within microseconds; a rename that catches one mid-write sees it land in the renamed file this long after. */
const SETTLE_MS = 100;

export interface PluginTelemetryOptions {
  /** The folder of the token files, where the spools are. */
  directory: string;
  queue: TelemetryQueue;
  enabled: () => boolean;
  activationId: (product: string) => string | undefined;
  os: string;
  logger: Logger;
}

export class PluginTelemetry {
  constructor(private readonly opts: PluginTelemetryOptions) {}

  /** Takes every spool; returns how many events were queued and how many lines were unusable. */
  async collect(): Promise<{ queued: number; skipped: number }> {
    let names: string[];
    try {
      names = await readdir(this.opts.directory);
    } catch {
      return { queued: 0, skipped: 0 };
    }
    const totals = { queued: 0, skipped: 0 };
    for (const name of names) {
      const match = SPOOL.exec(name);
      if (!match) continue;
      const file = path.join(this.opts.directory, name);
      if (!this.opts.enabled()) {
        await rm(file, { force: true });
        continue;
      }
      const taken = match[2] ? file : `${file}.taking`;
      if (!match[2]) {
        try {
          await rename(file, taken);
        } catch {
          continue; // gone meanwhile
        }
        await new Promise((r) => setTimeout(r, SETTLE_MS));
      }
      const result = await this.send(match[1]!, await readFile(taken, 'utf8'));
      totals.queued += result.queued;
      totals.skipped += result.skipped;
      await rm(taken, { force: true });
    }
    if (totals.skipped) this.opts.logger.warn(totals, 'plugin telemetry: unusable lines skipped');
    return totals;
  }

  private async send(product: string, text: string): Promise<{ queued: number; skipped: number }> {
    let queued = 0;
    let skipped = 0;
    // The last piece has no newline when a plugin was cut off mid-line: it is not an event.
    const lines = text.split('\n').slice(0, -1).filter((l) => l.trim());
    for (const line of lines) {
      const event = this.eventOf(product, line);
      if (!event) {
        skipped += 1;
        continue;
      }
      if (await this.opts.queue.track(event.fields, event.made)) queued += 1;
    }
    return { queued, skipped };
  }

  private eventOf(product: string, line: string) {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return null;
    }
    const spooled = SpoolLine.safeParse(raw);
    if (!spooled.success) return null;
    const fields = PluginFields.safeParse(spooled.data.fields);
    if (!fields.success) return null;
    const { custom_data, ...rest } = fields.data;
    const recordedAt = Math.min(spooled.data.recorded_at * 1000, Date.now());
    return {
      fields: {
        ...rest,
        event_type: spooled.data.event_type,
        os: this.opts.os,
        custom_data: { ...custom_data, source: 'plugin', product, activation_id: this.opts.activationId(product) ?? null },
      },
      made: { event_id: spooled.data.event_id, occurred_at: new Date(recordedAt).toISOString() },
    };
  }
}
