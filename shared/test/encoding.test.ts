import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { fitsUtf8Bytes, utf8Bytes } from '../src/encoding';

it('fitsUtf8Bytes agrees with a real UTF-8 encoding at every limit around the length', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.integer({ min: -3, max: 3 }), (text, delta) => {
      const bytes = utf8Bytes(text).length;
      const limit = Math.max(0, bytes + delta);
      assert.equal(fitsUtf8Bytes(text, limit), bytes <= limit, JSON.stringify({ text, limit, bytes }));
    }),
    { numRuns: 2000 },
  );
});

it('counts 1, 2, 3 and 4-byte characters and a lone surrogate as UTF-8 does', () => {
  for (const [text, bytes] of [['a', 1], ['é', 2], ['€', 3], ['🎛', 4], ['\ud83c', 3], ['\udf9b', 3], ['a🎛é', 7]] as const) {
    assert.equal(fitsUtf8Bytes(text, bytes), true, text);
    assert.equal(fitsUtf8Bytes(text, bytes - 1), false, text);
  }
});
