import { randomBytes } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import type { TestApi } from './api';

/** A random machine fingerprint (64 hex), as computeFingerprint would give. */
export const newFingerprint = () => randomBytes(32).toString('hex');

/** Issues a license through the real service, as purchases and admins do. */
export async function grantLicense(
  t: TestApi,
  userId: string,
  policy = 'standard',
  opts: { expiresAt?: Date | null; product?: string } = {},
) {
  return t.api.built.services.licenses.issue({
    userId,
    product: opts.product ?? 'mixing_mentor',
    policy,
    source: { type: 'admin' },
    ...(opts.expiresAt !== undefined ? { expiresAt: opts.expiresAt } : {}),
  });
}

export function activate(
  t: TestApi,
  token: string,
  licenseKey: string,
  fingerprint: string,
  extra: Record<string, unknown> = {},
) {
  return t.post('/license/activate', { license_key: licenseKey, hardware_id: fingerprint, machine_name: 'Studio Desktop', os: 'Windows 11', ...extra }, token);
}

export async function liveActivations(t: TestApi, licenseId: string): Promise<number> {
  const row = await t.api.deps.sequelize.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM activations WHERE license_id = :id AND deactivated_at IS NULL',
    { replacements: { id: licenseId }, type: QueryTypes.SELECT, plain: true },
  );
  return row!.n;
}
