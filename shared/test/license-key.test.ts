import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { generateLicenseKey, isValidLicenseKey, LICENSE_KEY_ALPHABET, LICENSE_KEY_PATTERN, normalizeLicenseKey } from '../src/index';

describe('license keys', () => {
  it('uses an alphabet without look-alikes', () => {
    for (const c of '01OIL') assert.ok(!LICENSE_KEY_ALPHABET.includes(c), c);
    assert.equal(new Set(LICENSE_KEY_ALPHABET).size, LICENSE_KEY_ALPHABET.length);
  });

  it('generates valid keys from any random source (and from WebCrypto by default)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (bytes) => {
        let offset = 0;
        const key = generateLicenseKey((n) => {
          const out = new Uint8Array(n);
          for (let i = 0; i < n; i += 1) out[i] = bytes[offset++ % bytes.length]!;
          return out;
        });
        return LICENSE_KEY_PATTERN.test(key) && isValidLicenseKey(key);
      }),
    );
    const keys = new Set(Array.from({ length: 200 }, () => generateLicenseKey()));
    assert.equal(keys.size, 200);
    assert.ok([...keys].every(isValidLicenseKey));
    assert.ok(isValidLicenseKey(generateLicenseKey((n) => randomBytes(n))));
  });

  it('catches every single wrong character and every swap of two different characters', () => {
    const rebuild = (c: string) => `NG-${c.slice(0, 4)}-${c.slice(4, 8)}-${c.slice(8)}`;
    for (let round = 0; round < 30; round += 1) {
      const chars = generateLicenseKey().slice(3).replace(/-/g, '');
      for (let i = 0; i < chars.length; i += 1) {
        for (const replacement of LICENSE_KEY_ALPHABET) {
          if (replacement !== chars[i]) assert.equal(isValidLicenseKey(rebuild(chars.slice(0, i) + replacement + chars.slice(i + 1))), false);
        }
        for (let j = i + 1; j < chars.length; j += 1) {
          if (chars[i] === chars[j]) continue;
          const swapped = [...chars];
          [swapped[i], swapped[j]] = [swapped[j]!, swapped[i]!];
          assert.equal(isValidLicenseKey(rebuild(swapped.join(''))), false);
        }
      }
    }
  });

  it('normalizes what users paste', () => {
    assert.equal(normalizeLicenseKey('  ng-28em-tz7d-ksyx \n'), 'NG-28EM-TZ7D-KSYX');
    assert.equal(isValidLicenseKey(normalizeLicenseKey('ng-28em-tz7d-ksyx')), true);
  });
});
