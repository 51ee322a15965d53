import type { DownloadState } from '../contract/models';

/** Rolling speed over the last few seconds, so one slow moment does not swing the ETA. */
class SpeedMeter {
  private samples: Array<{ at: number; total: number }> = [];

  /** Records the cumulative byte count (at progress time, not per chunk). */
  sample(total: number, at: number): void {
    this.samples.push({ at, total });
    while (this.samples.length > 2 && at - this.samples[0]!.at > 3_000) this.samples.shift();
  }

  bytesPerSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at === first.at) return 0;
    return Math.round(((last.total - first.total) * 1000) / (last.at - first.at));
  }
}

/**
 * Counts the bytes of one transfer into its state and publishes the state at
 * most every `intervalMs`: speed and ETA are worked out only when published,
 * never per chunk.
 */
export class TransferProgress {
  private readonly meter = new SpeedMeter();
  private lastPublished: number;

  constructor(
    private readonly state: DownloadState,
    private readonly intervalMs: number,
    private readonly publish: (state: DownloadState) => void,
  ) {
    this.lastPublished = Date.now();
    this.meter.sample(state.transferred, this.lastPublished);
  }

  /** Bytes that reached the disk. */
  written(bytes: number): void {
    this.state.bytes += bytes;
    this.state.transferred += bytes;
    const now = Date.now();
    if (now - this.lastPublished >= this.intervalMs) this.publishAt(now);
  }

  /** Publishes now, whatever the interval (the end of a transfer). */
  flush(): void {
    this.publishAt(Date.now());
  }

  private publishAt(now: number): void {
    this.lastPublished = now;
    this.meter.sample(this.state.transferred, now);
    const speed = this.meter.bytesPerSecond();
    this.state.speed_bps = speed;
    this.state.eta_seconds = this.state.total !== null && speed > 0 ? Math.max(0, Math.ceil((this.state.total - this.state.bytes) / speed)) : null;
    this.publish({ ...this.state });
  }
}
