import type { ParseArgsConfig } from 'node:util';
import { Email, Password, Role } from '@ngn/shared';
import { z } from 'zod';
import type { AppDeps } from '../api/src/context';
import { User } from '../api/src/db/models';
import { audit } from '../api/src/lib/audit';
import { hashPassword } from '../api/src/lib/passwords';

export interface AdminCommand {
  usage: string;
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, string | boolean | undefined>, deps: AppDeps): Promise<unknown>;
}

const CLI_META = { ip: null, userAgent: 'admin-cli' };

/** Parses CLI flags with the same zod rules the API applies, so bad input reads the same. */
function parseFlags<T extends z.ZodType>(schema: T, values: unknown): z.output<T> {
  const result = schema.safeParse(values);
  if (result.success) return result.data;
  throw new Error(result.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
}

const createUser: AdminCommand = {
  usage: '--email E --password P [--role user|support|admin] [--first-name F] [--last-name L]',
  summary: 'Creates a user (or updates the role and password of an existing one); prints the user id. Idempotent.',
  options: {
    email: { type: 'string' },
    password: { type: 'string' },
    role: { type: 'string', default: 'user' },
    'first-name': { type: 'string', default: 'Admin' },
    'last-name': { type: 'string', default: 'User' },
  },
  async run(values) {
    const flags = parseFlags(
      z.object({ email: Email, password: Password, role: Role, 'first-name': z.string().min(1), 'last-name': z.string().min(1) }),
      values,
    );
    const passwordHash = await hashPassword(flags.password);
    const existing = await User.findOne({ where: { email: flags.email } });
    if (existing) {
      const roleChanged = existing.role !== flags.role;
      await existing.update({ role: flags.role, password_hash: passwordHash, status: 'active' });
      if (roleChanged) {
        await audit({ action: 'user.role_changed', subjectUserId: existing.id, metadata: { role: flags.role, via: 'cli' } }, CLI_META);
      }
      return existing.id;
    }
    const user = await User.create({
      email: flags.email,
      password_hash: passwordHash,
      first_name: flags['first-name'],
      last_name: flags['last-name'],
      role: flags.role,
      email_verified_at: new Date(),
    });
    await audit({ action: 'user.created', subjectUserId: user.id, metadata: { role: flags.role, via: 'cli' } }, CLI_META);
    return user.id;
  },
};

/** Every admin CLI command; areas add theirs here. */
export const ADMIN_COMMANDS: Record<string, AdminCommand> = {
  'create-user': createUser,
};
