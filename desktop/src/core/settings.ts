import path from 'node:path';
import { Settings, SettingsPatch } from '../contract/settings';
import { CompanionError } from '../contract/errors';
import { readJsonFile, writeFileAtomic } from './atomic-file';
import { Emitter } from './emitter';

export const DEFAULT_API_URL = 'https://api.nextgennoise.com';

export interface SettingsDefaults {
  apiUrl?: string;
  /** Folder for downloaded installers; the platform's Downloads folder by default. */
  installDir: string;
}

/**
 * The user's settings, validated with zod on load and on every change. Only
 * what the user changed is stored (as JSON beside the app's other data), so a
 * default such as the API URL given at start applies until the user picks
 * another. A damaged or outdated file never stops the app: invalid fields
 * fall back to their defaults.
 */
export class SettingsStore {
  readonly events = new Emitter<{ changed: Settings }>();

  private constructor(
    private readonly file: string,
    private readonly defaults: Settings,
    private overrides: Partial<Settings>,
  ) {}

  static async open(dataDir: string, defaults: SettingsDefaults): Promise<SettingsStore> {
    const file = path.join(dataDir, 'settings.json');
    const base: Settings = Settings.parse({
      api_url: defaults.apiUrl ?? DEFAULT_API_URL,
      channel: 'stable',
      auto_update_plugins: false,
      // Nothing is reported until the user agrees.
      telemetry_enabled: false,
      install_dir: defaults.installDir,
    });
    const stored = await readJsonFile(file);
    const overrides: Partial<Settings> = {};
    if (stored && typeof stored === 'object') {
      // Field by field, so one bad value does not throw away the others.
      for (const [key, value] of Object.entries(stored)) {
        const field = Settings.shape[key as keyof Settings];
        const parsed = field?.safeParse(value);
        if (parsed?.success) (overrides as Record<string, unknown>)[key] = parsed.data;
      }
    }
    return new SettingsStore(file, base, overrides);
  }

  get(): Settings {
    return { ...this.defaults, ...this.overrides };
  }

  async update(patch: unknown): Promise<Settings> {
    const parsed = SettingsPatch.safeParse(patch);
    if (!parsed.success) {
      throw new CompanionError('validation_failed', 'Some settings are invalid.', {
        details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    const overrides = { ...this.overrides };
    for (const [key, value] of Object.entries(parsed.data)) if (value !== undefined) (overrides as Record<string, unknown>)[key] = value;
    await writeFileAtomic(this.file, JSON.stringify(overrides, null, 2));
    this.overrides = overrides;
    this.events.emit('changed', this.get());
    return this.get();
  }
}
