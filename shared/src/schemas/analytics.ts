import { z } from 'zod';
import { IsoDateTime, Uuid } from './common';
import { fitsUtf8Bytes } from '../encoding';

/** What the companion and the plugin report. Unknown types are refused, so the dashboard stays meaningful. */
export const TELEMETRY_EVENT_TYPES = [
  'app_start',
  'app_exit',
  'session_start',
  'session_end',
  'feature_used',
  'crash',
  'plugin_installed',
  'plugin_updated',
  'activation',
  'deactivation',
  'error',
] as const;
export const TelemetryEventType = z.enum(TELEMETRY_EVENT_TYPES);
export type TelemetryEventType = z.infer<typeof TelemetryEventType>;

export const TELEMETRY_BATCH_MAX = 500;
/** A crash report is stored whole up to this many UTF-8 bytes; a bigger one is refused, not cut. */
export const CRASH_REPORT_MAX_BYTES = 16 * 1024;
export const CUSTOM_DATA_MAX_BYTES = 4 * 1024;
/** A week: anything longer is a clock or counter bug, not a session. */
export const SESSION_DURATION_MAX_SECS = 7 * 86_400;

const Label = z.string().trim().min(1).max(100);
const Version = z.string().trim().min(1).max(50);
const FeatureName = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, {
  message: 'Feature names are lower-case letters, digits, _ . - (at most 64).',
});

export const TelemetryEvent = z.strictObject({
  /**
   * Made by the client when the event happens and kept across retries: the server
   * ignores an id it already has. Optional as in the seed's example; without one
   * the server assigns an id, so such an event cannot be deduplicated on retry.
   */
  event_id: Uuid.optional(),
  event_type: TelemetryEventType,
  daw_type: Label.nullish(),
  os: Label.nullish(),
  plugin_version: Version.nullish(),
  app_version: Version.nullish(),
  session_duration_secs: z.number().int().min(0).max(SESSION_DURATION_MAX_SECS).nullish(),
  // The same feature twice in one event counts once.
  features_used: z
    .array(FeatureName)
    .max(100)
    .optional()
    .transform((f) => [...new Set(f ?? [])]),
  crash_report: z
    .string()
    .refine((s) => fitsUtf8Bytes(s, CRASH_REPORT_MAX_BYTES), { message: `A crash report is at most ${CRASH_REPORT_MAX_BYTES} bytes.` })
    .nullish(),
  custom_data: z
    .record(z.string().max(64), z.unknown())
    .refine((d) => fitsUtf8Bytes(JSON.stringify(d), CUSTOM_DATA_MAX_BYTES), {
      message: `custom_data is at most ${CUSTOM_DATA_MAX_BYTES} bytes of JSON.`,
    })
    .optional(),
  /** When it happened on the client; the server uses its own clock when absent or in the future. */
  occurred_at: IsoDateTime.optional(),
});
export type TelemetryEvent = z.input<typeof TelemetryEvent>;

export const TelemetryBatch = z.strictObject({
  events: z.array(TelemetryEvent).min(1).max(TELEMETRY_BATCH_MAX),
});

/** One event or `{ events: [...] }`; a single event is handled as a batch of one. */
export const TelemetryRequest = z.preprocess(
  (body) => (body !== null && typeof body === 'object' && !Array.isArray(body) && !('events' in body) ? { events: [body] } : body),
  TelemetryBatch,
);
export type TelemetryRequest = z.output<typeof TelemetryRequest>;

export const TelemetryResponse = z.object({
  status: z.literal('recorded'),
  accepted: z.number().int().min(0),
  duplicates: z.number().int().min(0),
});
export type TelemetryResponse = z.infer<typeof TelemetryResponse>;

export const DASHBOARD_PERIODS = ['7d', '30d', '90d'] as const;
export const DashboardPeriod = z.enum(DASHBOARD_PERIODS);
export type DashboardPeriod = z.infer<typeof DashboardPeriod>;

export const DashboardQuery = z.strictObject({ period: DashboardPeriod.default('30d') });

const DayCount = z.object({ date: z.iso.date(), count: z.number().int().min(0) });
const Counts = z.record(z.string(), z.number().int().min(0));

export const DashboardResponse = z.object({
  period: DashboardPeriod,
  /** First and last UTC day covered (today included). */
  from: z.iso.date(),
  to: z.iso.date(),
  metrics: z.object({
    total_users: z.number().int().min(0),
    active_licenses: z.number().int().min(0),
    /** Payments completed in the period minus their refunds, minor units; one figure is meaningful with one currency. */
    total_revenue: z.number().int(),
    revenue_by_currency: Counts,
    /** Distinct active users per day, averaged over the period's days and rounded (the seed's single figure). */
    daily_active_users: z.number().int().min(0),
    /** Distinct active users on each day of the period. */
    daily_active_users_series: z.array(DayCount),
    /** Seconds, over events that report a session duration; 0 without any. */
    average_session_duration: z.number().int().min(0),
    /** feature → number of events that used it, most used first. */
    most_used_features: Counts,
    activations_per_day: z.array(DayCount),
    /** DAW / OS → user-days (users active that day with it, summed over the period). */
    daw_breakdown: Counts,
    os_breakdown: Counts,
  }),
  crashes: z.array(
    z.object({
      os: z.string().nullable(),
      version: z.string().nullable(),
      error: z.string(),
      count: z.number().int().min(1),
    }),
  ),
});
export type DashboardResponse = z.infer<typeof DashboardResponse>;
