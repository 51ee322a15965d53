import { z } from 'zod';

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * The API origin, without a trailing slash or path (the client adds `/api/v1`).
 * https only: tokens and release keys must not cross a network in the clear.
 * Plain http is for an API on this machine (loopback), as in development.
 */
export const ApiUrl = z
  .url({ protocol: /^https?$/, message: 'Use an https URL such as https://api.nextgennoise.com.', abort: true })
  .refine((u) => {
    const url = new URL(u);
    return !url.username && !url.password && (url.protocol === 'https:' || LOOPBACK_HOSTS.includes(url.hostname));
  }, 'Use an https URL without a user name or password; plain http is only allowed for this computer (127.0.0.1, localhost, [::1]).')
  .transform((u) => new URL(u).origin);

export const UpdateChannel = z.enum(['stable', 'beta']);
export type UpdateChannel = z.infer<typeof UpdateChannel>;

/** What the user can change in the companion; stored as JSON in the app's data folder. */
export const Settings = z.strictObject({
  api_url: ApiUrl,
  /** Release channel for both the companion's own updates and plugin versions. */
  channel: UpdateChannel,
  auto_update_plugins: z.boolean(),
  telemetry_enabled: z.boolean(),
  /** Where plugin installers are downloaded to. */
  install_dir: z.string().min(1).max(1024),
});
export type Settings = z.infer<typeof Settings>;

export const SettingsPatch = Settings.partial();
export type SettingsPatch = z.infer<typeof SettingsPatch>;
