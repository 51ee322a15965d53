import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareSemver, isSemver, parseSemver } from '../src/semver';

describe('semver', () => {
  it('orders versions by semver.org precedence, pre-releases included', () => {
    // The example chain of semver.org §11, then releases and build metadata.
    const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.2.0', '1.10.0', '2.0.0'];
    for (let i = 0; i < ordered.length; i += 1) {
      for (let j = 0; j < ordered.length; j += 1) {
        assert.equal(compareSemver(ordered[i]!, ordered[j]!), Math.sign(i - j), `${ordered[i]} vs ${ordered[j]}`);
      }
    }
    assert.deepEqual([...ordered].reverse().sort(compareSemver), ordered);
    assert.equal(compareSemver('1.0.0+build.1', '1.0.0+build.2'), 0);
  });

  it('accepts only semantic versions', () => {
    for (const v of ['1.0.0', '0.0.1', '10.20.30', '1.2.3-beta.1+exp.sha.5114f85', '1.0.0-0.3.7']) assert.equal(isSemver(v), true, v);
    for (const v of ['v1.0.0', '1.0', '01.0.0', '1.0.0-', '1.0.0-01', '1.0.0 ', 'latest', '1.0.0\n1']) assert.equal(isSemver(v), false, v);
    assert.deepEqual(parseSemver('1.2.3-beta.4'), { major: 1, minor: 2, patch: 3, prerelease: ['beta', '4'] });
    assert.throws(() => compareSemver('1.0.0', 'nope'));
  });
});
