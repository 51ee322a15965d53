import type { ParseArgsConfig } from 'node:util';
import { CreateApiKeyRequest, Email, IsoDateTime, Password, PolicyName, ProductId, Role } from '@ngn/shared';
import { z } from 'zod';
import { User } from '../api/src/db/models';
import { audit } from '../api/src/db/audit';
import { hashPassword } from '../api/src/lib/passwords';
import type { Services } from '../api/src/services';

export interface AdminCommand {
  usage: string;
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** With the API's own services (api/src/services.ts): the CLI runs the code the API runs. */
  run(values: Record<string, string | boolean | undefined>, services: Services): Promise<unknown>;
}

const CLI_META = { ip: null, userAgent: 'admin-cli' };

/** Parses CLI flags with the same zod rules the API applies, so bad input reads the same. */
export function parseFlags<T extends z.ZodType>(schema: T, values: unknown): z.output<T> {
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

const createApiKey: AdminCommand = {
  usage: '--name N --scopes releases:write[,...] [--owner ADMIN_EMAIL] [--expires-at ISO]',
  summary:
    'Creates an admin API key for a script (e.g. a release pipeline) and prints it; it is shown only once. The key acts for --owner (default: the only active admin).',
  options: { name: { type: 'string' }, scopes: { type: 'string' }, owner: { type: 'string' }, 'expires-at': { type: 'string' } },
  async run(values, { apiKeys: keys }) {
    const flags = parseFlags(z.object({ name: z.string(), scopes: z.string(), owner: Email.optional(), 'expires-at': z.string().optional() }), values);
    const input = parseFlags(CreateApiKeyRequest, { name: flags.name, scopes: flags.scopes.split(',').map((s) => s.trim()), expires_at: flags['expires-at'] });
    let ownerId: string;
    if (flags.owner) ownerId = await keys.ownerByEmail(flags.owner);
    else {
      const admins = await User.findAll({ where: { role: 'admin', status: 'active' }, limit: 2 });
      if (admins.length !== 1) throw new Error(admins.length ? 'There are several admins: name the owner with --owner.' : 'Create an admin first (create-user --role admin).');
      ownerId = admins[0]!.id;
    }
    const created = await keys.create(input, ownerId, CLI_META);
    return created.key;
  },
};

const grantLicense: AdminCommand = {
  usage: '--email E --policy standard|pro|standard_subscription|pro_subscription|trial|nfr [--product mixing_mentor] [--expires-at ISO]',
  summary: 'Grants a license to an existing user and prints its key.',
  options: { email: { type: 'string' }, policy: { type: 'string' }, product: { type: 'string', default: 'mixing_mentor' }, 'expires-at': { type: 'string' } },
  async run(values, { licenses }) {
    const flags = parseFlags(z.object({ email: Email, policy: PolicyName, product: ProductId, 'expires-at': IsoDateTime.optional() }), values);
    const user = await User.findOne({ where: { email: flags.email } });
    if (!user || user.status === 'deleted') throw new Error(`No account with the email ${flags.email}.`);
    const issued = await licenses.issue({
      userId: user.id,
      product: flags.product,
      policy: flags.policy,
      source: { type: 'admin', id: 'cli' },
      ...(flags['expires-at'] ? { expiresAt: new Date(flags['expires-at']) } : {}),
      meta: CLI_META,
    });
    return issued.license_key;
  },
};

/** The account and license commands; scripts/admin.ts adds the billing ones beside them. */
export const ADMIN_COMMANDS: Record<string, AdminCommand> = {
  'create-user': createUser,
  'grant-license': grantLicense,
  'create-api-key': createApiKey,
};
