/**
 * Run in an install made without libsecret's headers (so keytar did not build):
 * the Companion must answer keychain_unavailable and name the package to install.
 */
import { CredentialStore } from '../../desktop/src/core/credential-store';
import { CompanionError } from '../../desktop/src/contract/errors';

try {
  await new CredentialStore('NextGen Noise CI check').get('probe');
  console.error('keytar loaded: this install was expected to be without it');
  process.exit(1);
} catch (err) {
  if (!(err instanceof CompanionError) || err.code !== 'keychain_unavailable' || !err.message.includes('libsecret-1-dev')) throw err;
  console.log(`keychain without keytar: ${err.code}: ${err.message}`);
}
