import type { Settings } from '../contract/settings';

/**
 * Where electron-updater looks for the companion's own updates: the API's feed
 * for the chosen channel (its generic provider reads latest*.yml there). The
 * channel is in the path, so electron-updater's own channel stays "latest";
 * beta users also accept prerelease versions.
 */
export function companionUpdateFeed(settings: Pick<Settings, 'api_url' | 'channel'>): { url: string; allowPrerelease: boolean } {
  return {
    url: `${settings.api_url.replace(/\/+$/, '')}/api/v1/updates/companion/${settings.channel}`,
    allowPrerelease: settings.channel === 'beta',
  };
}
