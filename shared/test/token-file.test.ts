import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activationTokenPath } from '../src/index';

describe('activationTokenPath', () => {
  it('falls back to the roaming folder on Windows without APPDATA', () => {
    assert.equal(
      activationTokenPath({ platform: 'win32', env: {}, homedir: 'C:\\Users\\ada\\' }, 'mixing_mentor'),
      'C:\\Users\\ada\\AppData\\Roaming\\NextGen Noise\\activations\\mixing_mentor.jwt',
    );
  });

  it('ignores a relative XDG_DATA_HOME, as the XDG spec says', () => {
    assert.equal(
      activationTokenPath({ platform: 'linux', env: { XDG_DATA_HOME: 'relative/dir' }, homedir: '/home/ada' }, 'mixing_mentor'),
      '/home/ada/.local/share/nextgen-noise/activations/mixing_mentor.jwt',
    );
  });

  it('refuses product ids that could escape the folder', () => {
    for (const bad of ['../etc/passwd', 'Mixing', 'a/b', '', 'x']) {
      assert.throws(() => activationTokenPath({ platform: 'linux', env: {}, homedir: '/home/ada' }, bad), /product id/);
    }
  });
});
