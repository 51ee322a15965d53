/**
 * One installer download as the core reports it: bytes, total, speed and ETA
 * while it runs; paused, verifying (sha256 + Ed25519 signature), verified or
 * failed afterwards. The bar is a real `progressbar` with aria values; when
 * the total is unknown (or while verifying) it is indeterminate.
 */
import type { DownloadState } from '../../contract/models';
import { formatBytes, formatEta, formatSpeed } from '../lib/format';
import { Icon } from './Icon';
import { Badge, Button } from './ui';

export interface DownloadProgressProps {
  download: DownloadState;
  /** What is downloading, e.g. "Mixing Mentor 1.2.0". */
  label: string;
  onPause?: () => void;
  onResume?: () => void;
  onCancel?: () => void;
  onRetry?: () => void;
  /** A pause/resume/cancel request is on its way. */
  busy?: boolean;
}

export function downloadPercent(d: Pick<DownloadState, 'bytes' | 'total' | 'status'>): number | null {
  if (d.status === 'completed') return 100;
  if (!d.total || d.total <= 0) return null;
  return Math.max(0, Math.min(100, Math.floor((d.bytes / d.total) * 100)));
}

/** The sentence under the bar, also the bar's aria-valuetext. */
export function describeDownload(d: DownloadState): string {
  const size = d.total ? `${formatBytes(d.bytes)} of ${formatBytes(d.total)}` : formatBytes(d.bytes);
  switch (d.status) {
    case 'queued':
      return 'Waiting to start…';
    case 'downloading':
      return `${size} · ${formatSpeed(d.speed_bps)} · ${formatEta(d.eta_seconds)}`;
    case 'paused':
      return `Paused · ${size}`;
    case 'verifying':
      return 'Checking the checksum and signature…';
    case 'completed':
      return `Verified · ${formatBytes(d.total ?? d.bytes)}`;
    case 'failed':
      return d.error?.message ?? 'The download failed.';
  }
}

const STATUS_TEXT: Record<DownloadState['status'], string> = {
  queued: 'Queued',
  downloading: 'Downloading',
  paused: 'Paused',
  verifying: 'Verifying',
  completed: 'Verified',
  failed: 'Failed',
};

export function DownloadProgress({ download: d, label, onPause, onResume, onCancel, onRetry, busy }: DownloadProgressProps) {
  const pct = downloadPercent(d);
  const indeterminate = pct === null || d.status === 'queued' || d.status === 'verifying';
  const text = describeDownload(d);
  const active = d.status === 'downloading' || d.status === 'queued';

  return (
    <div className={`progress${indeterminate && d.status !== 'verifying' ? ' progress-indeterminate' : ''}`} data-status={d.status} data-testid="download-progress">
      <div className="progress-head">
        <span className="progress-label">{label}</span>
        <span className="progress-figures" aria-hidden="true">
          {pct !== null && d.status !== 'failed' ? `${pct}%` : STATUS_TEXT[d.status]}
        </span>
      </div>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={`${STATUS_TEXT[d.status]} ${label}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={indeterminate && d.status !== 'verifying' ? undefined : (pct ?? undefined)}
        aria-valuetext={text}
        aria-busy={active || d.status === 'verifying' ? true : undefined}
      >
        <div className="progress-fill" style={{ width: `${d.status === 'verifying' ? 100 : (pct ?? 0)}%` }} />
      </div>
      <div className="progress-foot">
        <span className={d.status === 'failed' ? 'progress-status progress-error' : 'progress-status'}>
          {d.status === 'completed' ? (
            <Badge tone="success" icon="shieldCheck" title="The sha256 checksum and the Ed25519 release signature match.">
              Verified
            </Badge>
          ) : d.status === 'failed' ? (
            <Icon name="alertCircle" size={16} />
          ) : d.status === 'verifying' ? (
            <span className="spinner" aria-hidden="true" style={{ width: 14, height: 14 }} />
          ) : null}
          <span className="nums">{d.status === 'completed' ? 'Checksum and signature match' : text}</span>
        </span>
        <span className="row">
          {active && onPause && (
            <Button size="sm" icon="pause" busy={busy} onClick={onPause}>
              Pause
            </Button>
          )}
          {d.status === 'paused' && onResume && (
            <Button size="sm" variant="primary" icon="play" busy={busy} onClick={onResume}>
              Resume
            </Button>
          )}
          {d.status === 'failed' && onRetry && (
            <Button size="sm" variant="primary" icon="refresh" busy={busy} onClick={onRetry}>
              Try again
            </Button>
          )}
          {(active || d.status === 'paused' || d.status === 'failed') && onCancel && (
            <Button size="sm" variant="ghost" iconOnly icon="x" aria-label={`Cancel the download of ${label}`} disabled={busy} onClick={onCancel} />
          )}
        </span>
      </div>
    </div>
  );
}
