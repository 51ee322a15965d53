import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { QueryTypes } from 'sequelize';
import type { RunningApi } from '../../api/src/runtime';
import { User } from '../../api/src/db/models';
import { hashPassword } from '../../api/src/lib/passwords';
import { ensureDevReleaseRoot } from './dev-release-root';
import { signRelease } from './release-keys';

export const DEMO_ADMIN = { email: 'admin@nextgennoise.local', password: 'demo-admin-pass-1' };
export const DEMO_USER = { email: 'demo@nextgennoise.local', password: 'demo-user-pass-1' };

const SEED_META = { ip: null, userAgent: 'demo-seed' };
const PLATFORMS = [
  { platform: 'linux', file: 'MixingMentor-1.0.0-linux.tar.gz' },
  { platform: 'windows', file: 'MixingMentor-1.0.0-windows.exe' },
  { platform: 'macos', file: 'MixingMentor-1.0.0-macos.pkg' },
] as const;

async function ensureUser(spec: { email: string; password: string }, role: 'user' | 'admin', first: string): Promise<User> {
  const existing = await User.findOne({ where: { email: spec.email } });
  if (existing) return existing;
  return User.create({
    email: spec.email,
    password_hash: await hashPassword(spec.password),
    first_name: first,
    last_name: role === 'admin' ? 'Admin' : 'Musician',
    role,
    email_verified_at: new Date(),
  });
}

/**
 * Demo data for a fresh local system, added once: an admin, a musician with a
 * `standard` license, and a 1.0.0 Mixing Mentor installer per platform (a few
 * random bytes standing in for the real build) so downloads work at once,
 * signed with a key of the development release root (scripts/lib/dev-release-root).
 */
export async function seedDemo(api: RunningApi): Promise<void> {
  const { services } = api.built;
  const admin = await ensureUser(DEMO_ADMIN, 'admin', 'Demo');
  const user = await ensureUser(DEMO_USER, 'user', 'Demo');
  if (!(await services.licenses.hasActiveLicense(user.id, 'mixing_mentor'))) {
    await services.licenses.issue({ userId: user.id, product: 'mixing_mentor', policy: 'standard', source: { type: 'admin' } });
  }
  const releaseKey = await ensureDevReleaseRoot(api.deps.config.dataDir, api.deps.config.releaseKeysetFile);
  for (const { platform, file } of PLATFORMS) {
    const [{ n }] = (await api.deps.sequelize.query(
      `SELECT count(*)::int AS n FROM releases WHERE product = 'mixing_mentor' AND platform = :platform`,
      { replacements: { platform }, type: QueryTypes.SELECT },
    )) as [{ n: number }];
    if (n > 0) continue;
    const bytes = randomBytes(3 * 1024 * 1024);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const upload = await services.releases.publishing.beginUpload({
      product: 'mixing_mentor',
      version: '1.0.0',
      platform,
      channel: 'stable',
      release_notes: 'First release of Mixing Mentor: Ghost Needle, Target Curve and the Text Feed.',
      ...signRelease(releaseKey, { sha256, product: 'mixing_mentor', version: '1.0.0', platform }),
    });
    await upload.storeArtifact(file, Readable.from([bytes]));
    await upload.commit({ id: admin.id }, SEED_META);
  }
}
