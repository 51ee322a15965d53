import { describe, expect, it } from 'vitest';
import { formatBytes, formatEta, formatSpeed, maskLicenseKey, offlineGraceText } from '../../src/renderer/lib/format';

describe('format', () => {
  it('shows sizes and speeds in decimal units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1500)).toBe('1.5 KB');
    expect(formatBytes(52_428_800)).toBe('52.4 MB');
    expect(formatBytes(-1)).toBe('—');
    expect(formatSpeed(0)).toBe('—');
    expect(formatSpeed(2_500_000)).toBe('2.5 MB/s');
  });

  it('says how long is left in words', () => {
    expect(formatEta(null)).toBe('estimating…');
    expect(formatEta(0)).toBe('almost done');
    expect(formatEta(0.2)).toBe('1 s left');
    expect(formatEta(59)).toBe('59 s left');
    expect(formatEta(150)).toBe('3 min left');
    expect(formatEta(7200)).toBe('2 h left');
  });

  it('counts the offline grace in days, then hours', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(offlineGraceText('2026-03-28T13:00:00Z', now)).toBe('works offline for 27 more days');
    expect(offlineGraceText('2026-03-02T13:00:00Z', now)).toBe('works offline for 1 more day');
    expect(offlineGraceText('2026-03-01T17:30:00Z', now)).toBe('works offline for 5 more hours');
    expect(offlineGraceText('2026-03-01T11:00:00Z', now)).toBe('offline grace has run out: go online to renew it');
  });

  it('masks all but the prefix and the last group of a key, keeping its length', () => {
    expect(maskLicenseKey('NG-ABCD-EFGH-7QK4')).toBe('NG-••••-••••-7QK4');
    expect(maskLicenseKey('NG-ABCD-EFGH-7QK4')).toHaveLength('NG-ABCD-EFGH-7QK4'.length);
  });
});
