import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DownloadProgress, describeDownload, downloadPercent } from '../../src/renderer/components/DownloadProgress';
import type { DownloadState } from '../../src/contract/models';

afterEach(cleanup);

function state(over: Partial<DownloadState> = {}): DownloadState {
  return {
    id: 'mixing_mentor-1.2.0-linux',
    status: 'downloading',
    bytes: 4_200_000,
    total: 12_000_000,
    speed_bps: 1_300_000,
    eta_seconds: 6,
    transferred: 4_200_000,
    resumed_from: 0,
    path: '/tmp/MixingMentor-1.2.0.deb',
    error: null,
    meta: {},
    ...over,
  };
}

const bar = () => screen.getByRole('progressbar');

describe('DownloadProgress', () => {
  it('shows bytes, total, speed and ETA with aria values while downloading', () => {
    render(<DownloadProgress download={state()} label="Mixing Mentor 1.2.0" onPause={() => {}} />);
    expect(bar().getAttribute('aria-valuenow')).toBe('35');
    expect(bar().getAttribute('aria-valuemin')).toBe('0');
    expect(bar().getAttribute('aria-valuemax')).toBe('100');
    expect(bar().getAttribute('aria-valuetext')).toBe('4.2 MB of 12.0 MB · 1.3 MB/s · 6 s left');
    expect(bar().getAttribute('aria-label')).toBe('Downloading Mixing Mentor 1.2.0');
    expect(screen.getByText('35%')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Pause' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Resume' })).toBeNull();
  });

  it('is indeterminate when the total is unknown', () => {
    render(<DownloadProgress download={state({ total: null, eta_seconds: null })} label="Mixing Mentor" />);
    expect(bar().hasAttribute('aria-valuenow')).toBe(false);
    expect(bar().getAttribute('aria-valuetext')).toBe('4.2 MB · 1.3 MB/s · estimating…');
  });

  it('offers resume when paused and calls back', () => {
    const onResume = vi.fn();
    render(<DownloadProgress download={state({ status: 'paused', speed_bps: 0 })} label="Mixing Mentor" onResume={onResume} onPause={() => {}} />);
    expect(screen.queryByRole('button', { name: 'Pause' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    expect(onResume).toHaveBeenCalledOnce();
    expect(bar().getAttribute('aria-valuetext')).toBe('Paused · 4.2 MB of 12.0 MB');
  });

  it('says it is verifying after the last byte', () => {
    render(<DownloadProgress download={state({ status: 'verifying', bytes: 12_000_000 })} label="Mixing Mentor" onPause={() => {}} />);
    expect(bar().getAttribute('aria-valuetext')).toBe('Checking the checksum and signature…');
    expect(bar().getAttribute('aria-busy')).toBe('true');
    expect(screen.queryByRole('button', { name: 'Pause' })).toBeNull();
  });

  it('shows a verified badge when complete', () => {
    render(<DownloadProgress download={state({ status: 'completed', bytes: 12_000_000 })} label="Mixing Mentor" />);
    expect(bar().getAttribute('aria-valuenow')).toBe('100');
    expect(screen.getByText('Verified', { selector: '.badge' })).toBeTruthy();
    expect(screen.getByText('Checksum and signature match')).toBeTruthy();
  });

  it('shows the error and offers a retry when it failed', () => {
    const onRetry = vi.fn();
    const onCancel = vi.fn();
    render(
      <DownloadProgress
        download={state({ status: 'failed', error: { code: 'checksum_mismatch', message: 'The file did not match its checksum and was deleted.' } })}
        label="Mixing Mentor 1.2.0"
        onRetry={onRetry}
        onCancel={onCancel}
      />,
    );
    expect(screen.getByText('The file did not match its checksum and was deleted.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel the download of Mixing Mentor 1.2.0' }));
    expect(onRetry).toHaveBeenCalledOnce();
    expect(onCancel).toHaveBeenCalledOnce();
  });

  it('ignores clicks on a busy button', () => {
    const onPause = vi.fn();
    render(<DownloadProgress download={state()} label="Mixing Mentor" onPause={onPause} busy />);
    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    expect(onPause).not.toHaveBeenCalled();
  });

  it('computes percent and text without a DOM', () => {
    expect(downloadPercent({ bytes: 0, total: 0, status: 'downloading' })).toBeNull();
    expect(downloadPercent({ bytes: 20, total: 10, status: 'downloading' })).toBe(100);
    expect(describeDownload(state({ status: 'queued' }))).toBe('Waiting to start…');
    expect(describeDownload(state({ eta_seconds: 3900 }))).toContain('1 h 5 min left');
  });
});
