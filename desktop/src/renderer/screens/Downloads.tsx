/**
 * Downloads: the plugin's installers for this OS and channel, with a real
 * progress bar (speed, ETA, pause/resume), the verified badge, install/update
 * buttons, update badges and the auto-update switch.
 */
import { useEffect, useRef, useState } from 'react';
import type { DownloadInfo } from '@ngn/shared';
import type { DownloadState, InstallResult } from '../../contract/models';
import { DownloadProgress } from '../components/DownloadProgress';
import { Icon } from '../components/Icon';
import { NoLicensesYet } from '../components/NoLicensesYet';
import { useToast } from '../components/Toast';
import { Badge, Banner, Button, Card, EmptyState, ErrorBanner, PageHeader, Skeleton, Switch } from '../components/ui';
import { useAppState } from '../lib/app-state';
import { useAction, useCall, useInvoke, type UiError } from '../lib/companion-hooks';
import { formatBytes, formatDate, platformName } from '../lib/format';
import { productName } from '../lib/labels';

const versionOf = (d: DownloadState) => (typeof d.meta.version === 'string' ? d.meta.version : null);

/** The newest download of each version (a retried download replaces an old failed one). */
function downloadsByVersion(downloads: DownloadState[]): Map<string, DownloadState> {
  const out = new Map<string, DownloadState>();
  for (const d of downloads) {
    const v = versionOf(d);
    if (v) out.set(v, d);
  }
  return out;
}

function isLicenseError(e: UiError): boolean {
  return e.code === 'forbidden' || e.code === 'license_required' || e.code === 'no_active_license';
}

export function DownloadsScreen() {
  const { plugins, settings, setSettings, info, refreshPlugins } = useAppState();
  const versions = useInvoke('plugins:versions');
  const call = useCall();
  const toast = useToast();
  const [installed, setInstalled] = useState<InstallResult | null>(null);
  // Another channel has other versions.
  const reloadVersions = versions.reload;
  const channel = useRef(settings.channel);
  useEffect(() => {
    if (channel.current === settings.channel) return;
    channel.current = settings.channel;
    void reloadVersions();
  }, [settings.channel, reloadVersions]);

  const autoUpdate = useAction(async (on: boolean) => setSettings(await call('settings:update', { auto_update_plugins: on })));
  const start = useAction(async (version: string) => {
    await call('plugins:download', { version });
    await refreshPlugins();
  });
  const control = useAction(async (kind: 'pause' | 'resume' | 'cancel', id: string) => {
    if (kind === 'cancel') await call('plugins:cancel', { download_id: id });
    else await call(kind === 'pause' ? 'plugins:pause' : 'plugins:resume', { download_id: id });
    await refreshPlugins();
  });
  const install = useAction(async (id: string) => {
    const result = await call('plugins:install', { download_id: id });
    setInstalled(result);
    toast(result.action === 'launched' ? 'Installer started' : 'Installer ready');
    await refreshPlugins();
  });
  const reveal = useAction(async (id: string) => {
    const { opened } = await call('shell:show-item', { download_id: id });
    if (!opened) toast('Open the path shown above in your file manager');
  });

  const byVersion = downloadsByVersion(plugins?.downloads ?? []);
  const list = versions.data ?? [];
  const latest = plugins?.latest ?? list[0] ?? null;
  const installedVersions = new Set((plugins?.installed ?? []).map((p) => p.version));
  const current = plugins?.installed.map((p) => p.version).sort().at(-1) ?? null;
  const actionError = start.error ?? control.error ?? install.error ?? reveal.error;

  return (
    <>
      <PageHeader
        title="Downloads"
        description={`Installers for ${platformName(info.release_platform)}. Each one is checked against its sha256 and NextGen Noise’s signature before it runs.`}
        actions={
          <Button variant="ghost" icon="refresh" busy={versions.reloading} onClick={() => void Promise.all([versions.reload(), refreshPlugins()])}>
            Check for updates
          </Button>
        }
      />
      {actionError && (
        <ErrorBanner
          error={actionError}
          onDismiss={() => {
            start.clearError();
            control.clearError();
            install.clearError();
            reveal.clearError();
          }}
        />
      )}
      {installed && (
        <Banner
          tone="success"
          title={installed.action === 'launched' ? 'The installer is running' : 'The installer is ready'}
          actions={<Button size="sm" variant="ghost" iconOnly icon="x" aria-label="Dismiss" onClick={() => setInstalled(null)} />}
        >
          {installed.action === 'launched' ? 'Follow the installer’s steps to finish.' : 'Open it from your file manager to install:'}{' '}
          <code>{installed.path}</code>
        </Banner>
      )}

      {!info.release_platform ? (
        <Card>
          <EmptyState icon="package" title={`No installer for ${info.os} yet`}>
            Mixing Mentor is available for Windows, macOS and Linux.
          </EmptyState>
        </Card>
      ) : versions.error && isLicenseError(versions.error) ? (
        <Card>
          <NoLicensesYet title="Downloads come with a license">{versions.error.message}</NoLicensesYet>
        </Card>
      ) : versions.error ? (
        <ErrorBanner error={versions.error} onRetry={versions.reload} title="Could not load the available versions" />
      ) : versions.loading ? (
        <Card>
          <div className="plugin-head">
            <div className="plugin-art" />
            <div className="plugin-head-main">
              <Skeleton height={22} width="40%" />
              <Skeleton height={14} width="60%" />
            </div>
          </div>
        </Card>
      ) : !latest ? (
        <Card>
          <EmptyState icon="package" title="No releases yet">
            There is no {productName('mixing_mentor')} release for {platformName(info.release_platform)} on the {settings.channel} channel yet.
          </EmptyState>
        </Card>
      ) : (
        <PluginCard
          release={latest}
          download={byVersion.get(latest.version)}
          installedVersion={current}
          updateAvailable={plugins?.update_available ?? false}
          busy={start.busy || control.busy || install.busy}
          onDownload={() => void start.run(latest.version)}
          onControl={(kind, id) => void control.run(kind, id)}
          onInstall={(id) => void install.run(id)}
          onReveal={(id) => void reveal.run(id)}
        />
      )}

      <Card title="Automatic updates">
        <div className="stack">
          <Switch
            label="Download plugin updates automatically"
            description="New versions download in the background and wait for you to install them. Nothing is installed without you."
            checked={settings.auto_update_plugins}
            disabled={autoUpdate.busy}
            onChange={(on) => void autoUpdate.run(on)}
          />
          {autoUpdate.error && <ErrorBanner error={autoUpdate.error} onRetry={() => void autoUpdate.run(!settings.auto_update_plugins)} />}
          <p className="muted" style={{ fontSize: 'var(--text-sm)' }}>
            Channel: <strong>{settings.channel === 'beta' ? 'Beta' : 'Stable'}</strong>. Change it in Settings.
          </p>
        </div>
      </Card>

      {list.length > 1 && (
        <section className="section" aria-labelledby="all-versions">
          <div className="section-title">
            <h2 id="all-versions">All versions</h2>
          </div>
          <Card bodyless>
            <ul className="list">
              {list.map((v) => {
                const d = byVersion.get(v.version);
                return (
                  <li key={v.version} className="list-item">
                    <span className="machine-main">
                      <span className="machine-name">
                        {v.version}
                        {v.version === latest?.version && <Badge tone="accent">Latest</Badge>}
                        {installedVersions.has(v.version) && <Badge tone="success">Installed</Badge>}
                        {v.channel === 'beta' && <Badge tone="warning">Beta</Badge>}
                      </span>
                      <span className="machine-meta">
                        {formatDate(v.release_date)} · {formatBytes(v.file_size)} · {v.file_name}
                      </span>
                    </span>
                    {d?.status === 'completed' ? (
                      <Button size="sm" onClick={() => void install.run(d.id)}>
                        Install
                      </Button>
                    ) : d && d.status !== 'failed' ? (
                      <Badge tone="accent">{d.status === 'paused' ? 'Paused' : 'Downloading'}</Badge>
                    ) : (
                      <Button size="sm" icon="download" onClick={() => void start.run(v.version)} aria-label={`Download ${v.version}`}>
                        Download
                      </Button>
                    )}
                  </li>
                );
              })}
            </ul>
          </Card>
        </section>
      )}
    </>
  );
}

function PluginCard({
  release,
  download,
  installedVersion,
  updateAvailable,
  busy,
  onDownload,
  onControl,
  onInstall,
  onReveal,
}: {
  release: DownloadInfo;
  download: DownloadState | undefined;
  installedVersion: string | null;
  updateAvailable: boolean;
  busy: boolean;
  onDownload: () => void;
  onControl: (kind: 'pause' | 'resume' | 'cancel', id: string) => void;
  onInstall: (id: string) => void;
  onReveal: (id: string) => void;
}) {
  const name = productName(release.product);
  const isInstalled = installedVersion === release.version;
  const label = `${name} ${release.version}`;
  return (
    <Card bodyless>
      <div className="card-body stack">
        <div className="plugin-head">
          <div className="plugin-art">
            <Icon name="wave" size={36} />
          </div>
          <div className="plugin-head-main">
            <span className="row">
              <h2 style={{ fontSize: 'var(--text-xl)' }}>{name}</h2>
              {updateAvailable && installedVersion && !isInstalled && (
                <Badge tone="info" icon="sparkles">
                  Update available
                </Badge>
              )}
              {isInstalled && (
                <Badge tone="success" icon="check">
                  Installed
                </Badge>
              )}
              {release.channel === 'beta' && <Badge tone="warning">Beta</Badge>}
            </span>
            <span className="muted nums">
              Version {release.version} · {formatDate(release.release_date)} · {formatBytes(release.file_size)}
              {installedVersion && !isInstalled ? ` · you have ${installedVersion}` : ''}
            </span>
          </div>
          <div className="row">
            {download?.status === 'completed' ? (
              <>
                <Button icon="folder" onClick={() => onReveal(download.id)}>
                  Show file
                </Button>
                <Button variant="primary" icon="package" busy={busy} onClick={() => onInstall(download.id)}>
                  {installedVersion && !isInstalled ? 'Install update' : isInstalled ? 'Reinstall' : 'Install'}
                </Button>
              </>
            ) : !download || download.status === 'failed' ? (
              <Button variant="primary" icon="download" busy={busy && !download} onClick={onDownload}>
                {installedVersion && !isInstalled ? 'Download update' : 'Download'}
              </Button>
            ) : null}
          </div>
        </div>
        {download && (
          <DownloadProgress
            download={download}
            label={label}
            busy={busy}
            onPause={() => onControl('pause', download.id)}
            onResume={() => onControl('resume', download.id)}
            onCancel={download.status === 'completed' ? undefined : () => onControl('cancel', download.id)}
            onRetry={onDownload}
          />
        )}
      </div>
      {release.release_notes.trim() && (
        <div className="card-body" style={{ borderTop: '1px solid var(--border)' }}>
          <details className="disclosure" open>
            <summary>What’s new in {release.version}</summary>
            <div className="notes" style={{ marginTop: 'var(--space-2)' }}>
              {release.release_notes}
            </div>
          </details>
        </div>
      )}
    </Card>
  );
}
