import { QueryTypes } from 'sequelize';
import type { ApiKey as ApiKeyView, ApiKeyListQuery, ApiKeyList, CreateApiKeyRequest, CreatedApiKey, Role } from '@ngn/shared';
import type { AppDeps } from '../../context';
import { ApiKey, User } from '../../db/models';
import { audit } from '../../db/audit';
import type { RequestMeta } from '../../lib/http/request-meta';
import { notFound, unauthorized, validationFailed } from '../../lib/errors';
import type { AuthUser } from '../../lib/http/route-spec';
import { decodeCursor, keysetWhere, page } from '../../lib/pagination';
import { hashSecret, newSecret } from '../../lib/secrets';

/** Every key starts with this, so a resolver can tell a key from a JWT without a query, and leaks are easy to grep for. */
const KEY_PREFIX = 'ngk';
/** How much of the key lists show: the prefix plus 8 characters of its 43 random ones. */
const SHOWN_CHARS = KEY_PREFIX.length + 1 + 8;
/** last_used_at is written at most this often per key, so a busy pipeline costs no write per request. */
const TOUCH_INTERVAL_SECONDS = 60;

export function toApiKeyView(k: ApiKey): ApiKeyView {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    created_by: k.created_by,
    created_at: k.created_at.toISOString(),
    last_used_at: k.last_used_at?.toISOString() ?? null,
    expires_at: k.expires_at?.toISOString() ?? null,
    revoked_at: k.revoked_at?.toISOString() ?? null,
  };
}

interface KeyOwnerRow {
  id: string;
  scopes: string[];
  expires_at: Date | null;
  revoked_at: Date | null;
  owner_id: string;
  owner_email: string;
  owner_role: Role;
  owner_status: string;
}

/**
 * Admin API keys: long-lived, scoped credentials for scripts. A key acts as the
 * admin who created it, only on routes that accept one of its scopes, and only
 * while that admin is still an active admin.
 */
export class ApiKeysService {
  constructor(private readonly deps: AppDeps) {}

  /** `ownerId` must be an active admin: the routes guarantee it, the CLI checks it. */
  async create(input: CreateApiKeyRequest, ownerId: string, meta: RequestMeta): Promise<CreatedApiKey> {
    const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw validationFailed([{ path: 'body.expires_at', message: 'Pick a time in the future.' }]);
    const key = newSecret(KEY_PREFIX);
    return this.deps.sequelize.transaction(async (transaction) => {
      const row = await ApiKey.create(
        {
          name: input.name,
          key_hash: hashSecret(key),
          prefix: key.slice(0, SHOWN_CHARS),
          scopes: input.scopes,
          created_by: ownerId,
          expires_at: expiresAt,
        },
        { transaction },
      );
      await audit(
        { action: 'api_key.created', actorUserId: ownerId, targetType: 'api_key', targetId: row.id, metadata: { name: row.name, scopes: row.scopes, prefix: row.prefix } },
        meta,
        transaction,
      );
      return { ...toApiKeyView(row), key };
    });
  }

  async list(query: ApiKeyListQuery): Promise<ApiKeyList> {
    const where = keysetWhere(decodeCursor(query.cursor));
    const rows = await this.deps.sequelize.query<ApiKey>(
      `SELECT * FROM api_keys
        WHERE ${where.sql} AND (:include_revoked OR revoked_at IS NULL)
        ORDER BY created_at DESC, id DESC LIMIT :limit`,
      {
        replacements: { ...where.replacements, include_revoked: query.include_revoked, limit: query.limit + 1 },
        type: QueryTypes.SELECT,
        model: ApiKey,
        mapToModel: true,
      },
    );
    const { items, next_cursor } = page(rows, query.limit);
    return { api_keys: items.map(toApiKeyView), next_cursor };
  }

  /** Idempotent: revoking a revoked key answers it as it is. */
  async revoke(id: string, actorUserId: string, meta: RequestMeta): Promise<ApiKeyView> {
    return this.deps.sequelize.transaction(async (transaction) => {
      const row = await ApiKey.findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
      if (!row) throw notFound('API key');
      if (!row.revoked_at) {
        await row.update({ revoked_at: new Date() }, { transaction });
        await audit({ action: 'api_key.revoked', actorUserId, targetType: 'api_key', targetId: row.id, metadata: { name: row.name, prefix: row.prefix } }, meta, transaction);
      }
      return toApiKeyView(row);
    });
  }

  /** The bearer resolver: undefined for anything that is not an API key, so JWTs go on to the session check. */
  readonly resolveBearer = async (token: string): Promise<AuthUser | undefined> => {
    if (!token.startsWith(`${KEY_PREFIX}_`)) return undefined;
    const [row] = await this.deps.sequelize.query<KeyOwnerRow>(
      `SELECT k.id, k.scopes, k.expires_at, k.revoked_at,
              u.id AS owner_id, u.email AS owner_email, u.role AS owner_role, u.status AS owner_status
         FROM api_keys k JOIN users u ON u.id = k.created_by
        WHERE k.key_hash = :hash`,
      { replacements: { hash: hashSecret(token) }, type: QueryTypes.SELECT },
    );
    if (!row) throw unauthorized('token_invalid', 'Unknown API key.');
    if (row.revoked_at) throw unauthorized('token_revoked', 'This API key was revoked.');
    if (row.expires_at && row.expires_at.getTime() <= Date.now()) throw unauthorized('token_expired', 'This API key has expired.');
    if (row.owner_role !== 'admin' || row.owner_status !== 'active')
      throw unauthorized('token_revoked', 'The admin who created this API key no longer has access.');
    await this.deps.sequelize.query(
      `UPDATE api_keys SET last_used_at = now()
        WHERE id = :id AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => :interval))`,
      { replacements: { id: row.id, interval: TOUCH_INTERVAL_SECONDS } },
    );
    return { id: row.owner_id, email: row.owner_email, role: 'admin', sessionId: null, apiKeyId: row.id, scopes: row.scopes };
  };

  /** For the operator CLI: the owner named by email must be an active admin. */
  async ownerByEmail(email: string): Promise<string> {
    const user = await User.findOne({ where: { email: email.toLowerCase() } });
    if (!user || user.role !== 'admin' || user.status !== 'active') throw new Error(`${email} is not an active admin.`);
    return user.id;
  }

  /** The one active admin, when there is exactly one: a key made without naming its owner acts for them. */
  async soleAdmin(): Promise<string> {
    const admins = await User.findAll({ where: { role: 'admin', status: 'active' }, limit: 2 });
    if (admins.length !== 1) throw new Error(admins.length ? 'There are several admins: name the owner with --owner.' : 'Create an admin first (create-user --role admin).');
    return admins[0]!.id;
  }
}
