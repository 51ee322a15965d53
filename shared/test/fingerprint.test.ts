import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { computeFingerprint, FINGERPRINT_KEY, FINGERPRINT_PATTERN } from '../src/index';

describe('computeFingerprint', () => {
  it('is the HMAC-SHA256 of the trimmed, lower-cased id under the fixed key', async () => {
    const raw = ' 9F86D081-884C-7D65-9A2F-EAA0C55AD015\r\n';
    const expected = createHmac('sha256', FINGERPRINT_KEY).update(raw.trim().toLowerCase(), 'utf8').digest('hex');
    const fp = await computeFingerprint(raw);
    assert.equal(fp, expected);
    assert.match(fp, FINGERPRINT_PATTERN);
  });

  it('differs between machines and refuses an empty id', async () => {
    assert.notEqual(await computeFingerprint('machine-a'), await computeFingerprint('machine-b'));
    await assert.rejects(computeFingerprint('   '), /empty/);
  });
});
