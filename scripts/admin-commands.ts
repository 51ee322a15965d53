import type { ParseArgsConfig } from 'node:util';
import { CreateApiKeyRequest, Email, IsoDateTime, Password, PolicyName, ProductId, Role } from '@ngn/shared';
import { z } from 'zod';
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
  async run(values, { adminUsers }) {
    const flags = parseFlags(
      z.object({ email: Email, password: Password, role: Role, 'first-name': z.string().min(1), 'last-name': z.string().min(1) }),
      values,
    );
    return adminUsers.provision(
      { email: flags.email, password: flags.password, role: flags.role, firstName: flags['first-name'], lastName: flags['last-name'] },
      CLI_META,
    );
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
    const ownerId = flags.owner ? await keys.ownerByEmail(flags.owner) : await keys.soleAdmin();
    const created = await keys.create(input, ownerId, CLI_META);
    return created.key;
  },
};

const grantLicense: AdminCommand = {
  usage: '--email E --policy standard|pro|standard_subscription|pro_subscription|trial|nfr [--product mixing_mentor] [--expires-at ISO]',
  summary: 'Grants a license to an existing user and prints its key.',
  options: { email: { type: 'string' }, policy: { type: 'string' }, product: { type: 'string', default: 'mixing_mentor' }, 'expires-at': { type: 'string' } },
  async run(values, { licenses, adminUsers }) {
    const flags = parseFlags(z.object({ email: Email, policy: PolicyName, product: ProductId, 'expires-at': IsoDateTime.optional() }), values);
    const userId = await adminUsers.activeIdByEmail(flags.email);
    const issued = await licenses.issue({
      userId,
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
