/** How numbers, sizes, times and keys read in the UI. Pure functions, one place. */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** Decimal units, as macOS and most download managers show them. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

export function formatSpeed(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '—';
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** "8 s left", "3 min left", "1 h 5 min left". */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return 'estimating…';
  const s = Math.ceil(seconds);
  if (s === 0) return 'almost done';
  if (s < 60) return `${s} s left`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min left`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min left` : `${h} h left`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : dateFormat.format(d);
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : dateTimeFormat.format(d);
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const RELATIVE_STEPS: [number, Intl.RelativeTimeFormatUnit][] = [
  [31_536_000, 'year'],
  [2_592_000, 'month'],
  [86_400, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
];

/** "just now", "5 minutes ago", "in 3 days". */
export function formatRelative(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return 'never';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '—';
  const diff = (t - now) / 1000;
  const abs = Math.abs(diff);
  if (abs < 45) return 'just now';
  const [size, unit] = RELATIVE_STEPS.find(([limit]) => abs >= limit) ?? [60, 'minute'];
  return relative.format(Math.round(diff / size), unit);
}

/** Whole days from now until `iso`, rounded down; negative once past. */
export function daysUntil(iso: string, now: number = Date.now()): number {
  return Math.floor((new Date(iso).getTime() - now) / 86_400_000);
}

/** "works offline for 27 more days" and its neighbours. */
export function offlineGraceText(tokenExpiresAt: string, now: number = Date.now()): string {
  const ms = new Date(tokenExpiresAt).getTime() - now;
  if (Number.isNaN(ms)) return 'offline grace unknown';
  if (ms <= 0) return 'offline grace has run out: go online to renew it';
  const days = Math.floor(ms / 86_400_000);
  if (days >= 2) return `works offline for ${days} more days`;
  if (days === 1) return 'works offline for 1 more day';
  const hours = Math.max(1, Math.floor(ms / 3_600_000));
  return `works offline for ${hours} more hour${hours === 1 ? '' : 's'}`;
}

/** Shows only the last group: `NG-••••-••••-7QK4`. */
export function maskLicenseKey(key: string): string {
  const parts = key.split('-');
  if (parts.length < 2) return '•'.repeat(Math.max(4, key.length - 4)) + key.slice(-4);
  return parts.map((p, i) => (i === 0 || i === parts.length - 1 ? p : '•'.repeat(p.length))).join('-');
}

export function formatMoney(minor: number, currency: string): string {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency.toUpperCase() }).format(minor / 100);
}

const OS_NAMES: Record<string, string> = { windows: 'Windows', macos: 'macOS', linux: 'Linux' };
export function platformName(platform: string | null | undefined): string {
  return platform ? (OS_NAMES[platform] ?? platform) : 'this system';
}

export function titleCase(word: string): string {
  return word
    .split(/[_\s]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');
}

export function initials(first: string, last: string): string {
  return `${first.trim()[0] ?? ''}${last.trim()[0] ?? ''}`.toUpperCase() || '?';
}
