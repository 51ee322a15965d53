import { QueryTypes, type Transaction } from 'sequelize';
import type { AdminUser, AdminUserDetail, AdminUserListQuery, Role } from '@ngn/shared';
import type { AppDeps } from '../../context';
import { User } from '../../db/models';
import { audit } from '../../db/audit';
import type { RequestMeta } from '../../lib/http/request-meta';
import { notFound, unprocessable } from '../../lib/errors';
import { hashPassword } from '../../lib/passwords';
import { decodeCursor, keysetWhere, page } from '../../lib/pagination';
import type { AuthService } from '../auth/service';

interface UserRow {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  role: Role;
  status: AdminUser['status'];
  email_verified_at: Date | null;
  stripe_customer_id: string | null;
  created_at: Date;
}

function toAdminUser(u: UserRow): AdminUser {
  return {
    id: u.id,
    email: u.email,
    first_name: u.first_name,
    last_name: u.last_name,
    role: u.role,
    status: u.status,
    email_verified: u.email_verified_at !== null,
    created_at: u.created_at.toISOString(),
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The substring a search looks for, with LIKE's wildcards taken literally. */
const likePattern = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Accounts as admins see them. Every change is audited with the admin as actor
 * and the account as subject. An admin cannot suspend or demote themselves, so
 * the last admin cannot lock everyone out by mistake.
 */
export class AdminUsersService {
  constructor(private readonly deps: AppDeps & { auth: AuthService }) {}

  async list(q: AdminUserListQuery) {
    const where = keysetWhere(decodeCursor(q.cursor));
    const filters = [where.sql];
    // Same expression as users_search_idx, so the trigram index serves the search.
    if (q.q) filters.push(`lower(email || ' ' || first_name || ' ' || last_name) LIKE :pattern`);
    if (q.role) filters.push('role = :role');
    if (q.status) filters.push('status = :status');
    const rows = await this.deps.sequelize.query<UserRow>(
      `SELECT * FROM users WHERE ${filters.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT :take`,
      {
        replacements: { ...where.replacements, pattern: q.q ? likePattern(q.q) : null, role: q.role, status: q.status, take: q.limit + 1 },
        type: QueryTypes.SELECT,
      },
    );
    const { items, next_cursor } = page(rows, q.limit);
    return { users: items.map(toAdminUser), next_cursor };
  }

  async get(userId: string): Promise<AdminUserDetail> {
    const user = await User.findByPk(userId, { raw: true });
    if (!user) throw notFound('User');
    const [licenses, purchases] = await Promise.all([
      this.deps.sequelize.query<{
        id: string;
        product_id: string;
        license_key: string;
        license_type: string | null;
        status: string;
        expires_at: Date | null;
        active_activations: number;
        created_at: Date;
      }>(
        `SELECT l.id, l.product_id, l.license_key, p.license_type, l.status, l.expires_at, l.created_at,
                (SELECT count(*)::int FROM activations a WHERE a.license_id = l.id AND a.deactivated_at IS NULL) AS active_activations
           FROM licenses l LEFT JOIN policies p ON p.id = l.policy_id
          WHERE l.user_id = :userId ORDER BY l.created_at DESC, l.id DESC`,
        { replacements: { userId }, type: QueryTypes.SELECT },
      ),
      this.deps.sequelize.query<{
        id: string;
        product: string | null;
        plan: string | null;
        amount: string;
        currency: string;
        status: string;
        created_at: Date;
      }>(
        `SELECT id, product, plan, amount, currency, status, created_at FROM purchases
          WHERE user_id = :userId ORDER BY created_at DESC, id DESC`,
        { replacements: { userId }, type: QueryTypes.SELECT },
      ),
    ]);
    return {
      ...toAdminUser(user as unknown as UserRow),
      stripe_customer_id: user.stripe_customer_id,
      licenses: licenses.map((l) => ({ ...l, expires_at: iso(l.expires_at), created_at: l.created_at.toISOString() })),
      purchases: purchases.map((p) => ({ ...p, amount: Number(p.amount), created_at: p.created_at.toISOString() })),
    };
  }

  /** Suspends the account and signs it out everywhere at once. */
  async suspend(adminId: string, userId: string, reason: string | undefined, meta: RequestMeta) {
    await this.change(adminId, userId, meta, async (user, transaction) => {
      if (user.status === 'suspended') return null;
      await user.update({ status: 'suspended' }, { transaction });
      await this.deps.auth.revokeAllSessions(user.id, 'account_suspended', transaction);
      return { action: 'admin.user_suspended', metadata: { reason: reason ?? null } };
    });
    return this.get(userId);
  }

  async reactivate(adminId: string, userId: string, meta: RequestMeta) {
    await this.change(adminId, userId, meta, async (user, transaction) => {
      if (user.status === 'active') return null;
      await user.update({ status: 'active' }, { transaction });
      return { action: 'admin.user_reactivated', metadata: {} };
    });
    return this.get(userId);
  }

  /** Takes effect on the user's next request: the role is read from the database every time. */
  /**
   * Makes the account an operator names (the admin CLI's create-user), or sets
   * the role and password of the one that exists, active and verified either
   * way; returns its id. Idempotent.
   */
  async provision(input: { email: string; password: string; role: Role; firstName: string; lastName: string }, meta: RequestMeta): Promise<string> {
    const passwordHash = await hashPassword(input.password);
    const existing = await User.findOne({ where: { email: input.email } });
    if (existing) {
      const roleChanged = existing.role !== input.role;
      await existing.update({ role: input.role, password_hash: passwordHash, status: 'active' });
      if (roleChanged) await audit({ action: 'user.role_changed', subjectUserId: existing.id, metadata: { role: input.role, via: 'cli' } }, meta);
      return existing.id;
    }
    const user = await User.create({
      email: input.email,
      password_hash: passwordHash,
      first_name: input.firstName,
      last_name: input.lastName,
      role: input.role,
      email_verified_at: new Date(),
    });
    await audit({ action: 'user.created', subjectUserId: user.id, metadata: { role: input.role, via: 'cli' } }, meta);
    return user.id;
  }

  /** The id of the account with this email, unless there is none or it was deleted. */
  async activeIdByEmail(email: string): Promise<string> {
    const user = await User.findOne({ where: { email } });
    if (!user || user.status === 'deleted') throw new Error(`No account with the email ${email}.`);
    return user.id;
  }

  async changeRole(adminId: string, userId: string, role: Role, meta: RequestMeta) {
    await this.change(adminId, userId, meta, async (user, transaction) => {
      if (user.role === role) return null;
      const from = user.role;
      await user.update({ role }, { transaction });
      return { action: 'admin.user_role_changed', metadata: { from, to: role } };
    });
    return this.get(userId);
  }

  /**
   * One admin change under a row lock: refuses self-changes and deleted
   * accounts, applies `apply`, and audits what it reports (null: nothing changed).
   */
  private async change(
    adminId: string,
    userId: string,
    meta: RequestMeta,
    apply: (user: User, transaction: Transaction) => Promise<{ action: string; metadata: Record<string, unknown> } | null>,
  ): Promise<void> {
    if (adminId === userId) {
      throw unprocessable('cannot_change_own_account', 'Admins cannot suspend, reactivate or change the role of their own account.');
    }
    await this.deps.sequelize.transaction(async (transaction) => {
      const user = await User.findByPk(userId, { transaction, lock: transaction.LOCK.UPDATE });
      if (!user) throw notFound('User');
      if (user.status === 'deleted') throw unprocessable('invalid_user_state', 'This account was deleted and cannot be changed.');
      const done = await apply(user, transaction);
      if (done) {
        await audit(
          { action: done.action, actorUserId: adminId, subjectUserId: userId, targetType: 'user', targetId: userId, metadata: done.metadata },
          meta,
          transaction,
        );
      }
    });
  }
}
