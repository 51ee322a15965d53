import { Op, QueryTypes } from 'sequelize';
import type { RegisterRequest, TokenPair, UserProfile } from '@ngn/shared';
import type { NewsletterService } from '../newsletter/service';
import type { AppDeps } from '../../context';
import { AuthSession, RefreshToken, User, UserToken, type UserTokenPurpose } from '../../db/models';
import { audit } from '../../db/audit';
import type { SessionRow } from '../../lib/http/auth';
import type { RequestMeta } from '../../lib/http/request-meta';
import { AppError, badRequest, unauthorized } from '../../lib/errors';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../../lib/passwords';
import { consumeOrThrow } from '../../lib/rate-limit';
import { hashSecret, newSecret } from '../../lib/secrets';
import { toProfile } from '../users/service';
import { resetMail, verificationMail, welcomeMail } from './mails';
import { SessionCache } from './session-cache';

const VERIFY_TTL_MS = 48 * 3600_000;
const RESET_TTL_MS = 3600_000;
/** Deep-link scheme the Companion registers; mails link there. */
const APP_LINK = 'nextgennoise://';

/**
 * Failed sign-ins are counted twice. Per account *and* client address: after
 * the budget that address is locked out of that account for 15 minutes, right
 * password or not. Per account from every address: a ceiling of three budgets
 * per minute (more than one address can spend), which slows guessing spread
 * over many addresses to a crawl but costs the real owner, signing in from an
 * address that has not failed, at most a minute's wait. So a stranger can no
 * longer keep someone locked out.
 */
const PAIR_LOCK_SECONDS = 15 * 60;
const ACCOUNT_WINDOW_SECONDS = 60;
const ACCOUNT_CEILING_BUDGETS = 3;

export class AuthService {
  /**
   * The session an access token names, with its user's role and status:
   * checked on every authenticated request, so kept in memory (SessionCache)
   * and read from the database on a miss.
   */
  sessionOf(sessionId: string, userId: string): Promise<SessionRow | undefined> {
    return this.sessions.lookup(sessionId, userId, async () => {
      const [row] = await this.deps.sequelize.query<SessionRow>(
        `SELECT s.user_id, u.email, u.role, u.status, s.revoked_at
           FROM auth_sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id = :sid AND s.user_id = :sub`,
        { replacements: { sid: sessionId, sub: userId }, type: QueryTypes.SELECT },
      );
      return row;
    });
  }

  /** Stops listening for session changes. */
  close(): Promise<void> {
    return this.sessions.close();
  }

  readonly sessions: SessionCache;
  private readonly pairFailures;
  private readonly accountFailures;
  private readonly passwordChangeFailures;

  constructor(
    private readonly deps: AppDeps,
    private readonly newsletter: NewsletterService,
  ) {
    this.sessions = new SessionCache(deps);
    const budget = deps.config.rateLimits.loginFailuresPerAccount;
    this.pairFailures = deps.rateLimits.create({ prefix: 'login_fail', points: budget, durationSeconds: PAIR_LOCK_SECONDS, blockSeconds: PAIR_LOCK_SECONDS });
    this.accountFailures = deps.rateLimits.create({ prefix: 'login_fail_account', points: budget * ACCOUNT_CEILING_BUDGETS, durationSeconds: ACCOUNT_WINDOW_SECONDS });
    // A wrong current password costs a hash like a sign-in does: the same budget per user.
    this.passwordChangeFailures = deps.rateLimits.create({ prefix: 'password_change_fail', points: budget, durationSeconds: PAIR_LOCK_SECONDS, blockSeconds: PAIR_LOCK_SECONDS });
  }

  async register(input: RegisterRequest, meta: RequestMeta): Promise<UserProfile> {
    const passwordHash = await hashPassword(input.password);
    const user = await this.deps.sequelize.transaction(async (transaction) => {
      const [row] = await this.deps.sequelize.query<{ id: string }>(
        `INSERT INTO users (email, password_hash, first_name, last_name)
         VALUES (:email, :hash, :first, :last)
         ON CONFLICT ((lower(email))) DO NOTHING RETURNING id`,
        {
          replacements: { email: input.email, hash: passwordHash, first: input.first_name, last: input.last_name },
          type: QueryTypes.SELECT,
          transaction,
        },
      );
      if (!row) throw badRequest('email_already_exists', 'An account with this email already exists. Sign in instead.');
      const created = (await User.findByPk(row.id, { transaction }))!;
      const token = await this.issueUserToken(created.id, 'verify_email', VERIFY_TTL_MS, transaction);
      await this.deps.mailer.enqueue(verificationMail(created.email, created.first_name, token, APP_LINK), { transaction });
      await audit({ action: 'user.registered', actorUserId: created.id }, meta, transaction);
      if (input.newsletter) await this.newsletter.setConsent(created.id, true, 'registration', transaction);
      return created;
    });
    return toProfile(user);
  }

  async login(email: string, password: string, meta: RequestMeta): Promise<TokenPair> {
    const accountKey = email.toLowerCase();
    // The email last, as in every key that names a person: account deletion removes keys ending in ":email".
    const pairKey = `${meta.ip ?? 'unknown'}:${accountKey}`;
    for (const [limiter, key] of [[this.pairFailures, pairKey], [this.accountFailures, accountKey]] as const) {
      const state = await limiter.get(key);
      if (state && state.remainingPoints <= 0) {
        await audit({ action: 'auth.login_throttled', metadata: { email: accountKey } }, meta);
        await consumeOrThrow(limiter, key); // throws 429 with Retry-After
      }
    }
    const user = await User.findOne({ where: { email: accountKey } });
    const ok = await verifyPassword(user?.password_hash ?? (await dummyPasswordHash()), password);
    if (!user || !ok || user.status === 'deleted') {
      await audit({ action: 'auth.login_failed', subjectUserId: user?.id ?? null, metadata: { email: accountKey } }, meta);
      await Promise.all([this.pairFailures.penalty(pairKey, 1), this.accountFailures.penalty(accountKey, 1)]).catch(() => undefined);
      throw unauthorized('invalid_credentials', 'Email or password is wrong.');
    }
    if (user.status !== 'active') throw new AppError(403, 'account_suspended', 'This account is suspended. Contact support.');
    await this.pairFailures.delete(pairKey);
    const pair = await this.deps.sequelize.transaction(async (transaction) => {
      const session = await AuthSession.create(
        {
          user_id: user.id,
          ip: meta.ip,
          user_agent: meta.userAgent?.slice(0, 500) ?? null,
          expires_at: new Date(Date.now() + this.deps.config.refreshTokenTtlDays * 86_400_000),
        },
        { transaction },
      );
      const refresh = await this.issueRefreshToken(session, transaction);
      await audit({ action: 'auth.login_succeeded', actorUserId: user.id, targetType: 'session', targetId: session.id }, meta, transaction);
      return this.tokenPair(user, session.id, refresh);
    });
    return pair;
  }

  /** Rotates the refresh token; presenting a used one revokes its whole family. */
  async refresh(refreshToken: string, meta: RequestMeta): Promise<TokenPair> {
    const row = await RefreshToken.findOne({ where: { token_hash: hashSecret(refreshToken) } });
    if (!row) throw unauthorized('token_invalid', 'This refresh token is not valid. Sign in again.');
    const session = await AuthSession.findByPk(row.session_id);
    if (!session || session.revoked_at) throw unauthorized('token_revoked', 'This session was signed out. Sign in again.');
    if (row.expires_at < new Date() || session.expires_at < new Date())
      throw unauthorized('token_expired', 'This session has expired. Sign in again.');
    const user = await User.findByPk(session.user_id);
    if (!user || user.status !== 'active') throw new AppError(403, 'account_suspended', 'This account is suspended.');

    return this.deps.sequelize.transaction(async (transaction) => {
      const [claimed] = await RefreshToken.update(
        { used_at: new Date() },
        { where: { id: row.id, used_at: { [Op.is]: null } }, transaction },
      );
      if (claimed === 0) {
        // Someone presented a token that was already rotated: it may have been stolen.
        await this.revokeSession(session.id, 'refresh_token_reused', transaction);
        await audit({ action: 'auth.refresh_reuse_detected', actorUserId: user.id, targetType: 'session', targetId: session.id }, meta, transaction);
        return { reused: true as const };
      }
      const next = await this.issueRefreshToken(session, transaction);
      return this.tokenPair(user, session.id, next);
    }).then((result) => {
      if ('reused' in result) throw unauthorized('refresh_token_reused', 'This refresh token was already used. For your safety, the session was signed out.');
      return result;
    });
  }

  async logout(sessionId: string, userId: string, meta: RequestMeta): Promise<void> {
    await this.revokeSession(sessionId, 'logout');
    await audit({ action: 'auth.logout', actorUserId: userId, targetType: 'session', targetId: sessionId }, meta);
  }

  async verifyEmail(token: string, meta: RequestMeta): Promise<void> {
    await this.deps.sequelize.transaction(async (transaction) => {
      const userId = await this.consumeUserToken(token, 'verify_email', transaction);
      if (!userId) throw badRequest('invalid_verification_token', 'This verification link is invalid or has expired. Ask for a new one.');
      const [changed] = await User.update({ email_verified_at: new Date() }, { where: { id: userId, email_verified_at: { [Op.is]: null } }, transaction });
      await audit({ action: 'user.email_verified', actorUserId: userId }, meta, transaction);
      // Once, when the address becomes confirmed, committed with it.
      const user = changed ? await User.findByPk(userId, { attributes: ['email', 'first_name'], transaction }) : null;
      if (user) await this.deps.mailer.enqueue(welcomeMail(user.email, user.first_name, APP_LINK), { transaction });
    });
  }

  async resendVerification(userId: string): Promise<void> {
    const user = await User.findByPk(userId);
    if (!user || user.email_verified_at) return;
    await this.deps.sequelize.transaction(async (transaction) => {
      const token = await this.issueUserToken(user.id, 'verify_email', VERIFY_TTL_MS, transaction);
      await this.deps.mailer.enqueue(verificationMail(user.email, user.first_name, token, APP_LINK), { transaction });
    });
  }

  /** Same answer whether or not the email exists: no user enumeration. */
  async forgotPassword(email: string, meta: RequestMeta): Promise<void> {
    const user = await User.findOne({ where: { email: email.toLowerCase(), status: 'active' } });
    if (!user) return;
    await this.deps.sequelize.transaction(async (transaction) => {
      const token = await this.issueUserToken(user.id, 'reset_password', RESET_TTL_MS, transaction);
      await this.deps.mailer.enqueue(resetMail(user.email, user.first_name, token, APP_LINK), { transaction });
      await audit({ action: 'auth.password_reset_requested', subjectUserId: user.id }, meta, transaction);
    });
  }

  async resetPassword(token: string, newPassword: string, meta: RequestMeta): Promise<void> {
    const invalid = () => badRequest('invalid_reset_token', 'This reset link is invalid, used or expired. Ask for a new one.');
    // A made-up token costs one indexed read, never a password hash.
    if (!(await this.userTokenIsLive(token, 'reset_password'))) throw invalid();
    const passwordHash = await hashPassword(newPassword);
    await this.deps.sequelize.transaction(async (transaction) => {
      const userId = await this.consumeUserToken(token, 'reset_password', transaction);
      if (!userId) throw invalid();
      await User.update({ password_hash: passwordHash }, { where: { id: userId }, transaction });
      await this.revokeAllSessions(userId, 'password_reset', transaction);
      await audit({ action: 'auth.password_reset', actorUserId: userId }, meta, transaction);
    });
  }

  async changePassword(
    user: { id: string; sessionId: string | null },
    currentPassword: string,
    newPassword: string,
    meta: RequestMeta,
  ): Promise<void> {
    const blocked = await this.passwordChangeFailures.get(user.id);
    if (blocked && blocked.remainingPoints <= 0) await consumeOrThrow(this.passwordChangeFailures, user.id); // 429 with Retry-After
    const row = await User.findByPk(user.id);
    if (!row || !(await verifyPassword(row.password_hash, currentPassword))) {
      await audit({ action: 'auth.password_change_failed', actorUserId: user.id }, meta);
      await this.passwordChangeFailures.penalty(user.id, 1).catch(() => undefined);
      throw badRequest('wrong_password', 'Your current password is not right.');
    }
    await this.passwordChangeFailures.delete(user.id);
    const passwordHash = await hashPassword(newPassword);
    await this.deps.sequelize.transaction(async (transaction) => {
      await User.update({ password_hash: passwordHash }, { where: { id: user.id }, transaction });
      // Other devices must sign in again; the one that changed the password stays signed in.
      await this.revokeAllSessions(user.id, 'password_changed', transaction, user.sessionId ?? undefined);
      await audit({ action: 'auth.password_changed', actorUserId: user.id }, meta, transaction);
    });
  }

  async revokeAllSessions(userId: string, reason: string, transaction?: import('sequelize').Transaction, except?: string) {
    await AuthSession.update(
      { revoked_at: new Date(), revoked_reason: reason },
      {
        where: { user_id: userId, revoked_at: { [Op.is]: null }, ...(except ? { id: { [Op.ne]: except } } : {}) },
        transaction,
      },
    );
  }

  private async revokeSession(sessionId: string, reason: string, transaction?: import('sequelize').Transaction) {
    await AuthSession.update(
      { revoked_at: new Date(), revoked_reason: reason },
      { where: { id: sessionId, revoked_at: { [Op.is]: null } }, transaction },
    );
  }

  private tokenPair(user: User, sessionId: string, refreshToken: string): TokenPair {
    return {
      access_token: this.deps.accessTokens.sign({ userId: user.id, sessionId, role: user.role }),
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: this.deps.accessTokens.ttlSeconds,
    };
  }

  private async issueRefreshToken(session: AuthSession, transaction: import('sequelize').Transaction): Promise<string> {
    const token = newSecret('rt');
    await RefreshToken.create(
      { session_id: session.id, token_hash: hashSecret(token), expires_at: session.expires_at },
      { transaction },
    );
    return token;
  }

  /** A new single-use token; older unused ones of the same purpose stop working. */
  private async issueUserToken(userId: string, purpose: UserTokenPurpose, ttlMs: number, transaction: import('sequelize').Transaction) {
    await UserToken.update(
      { used_at: new Date() },
      { where: { user_id: userId, purpose, used_at: { [Op.is]: null } }, transaction },
    );
    const token = newSecret(purpose === 'verify_email' ? 'ev' : 'pr');
    await UserToken.create(
      { user_id: userId, purpose, token_hash: hashSecret(token), expires_at: new Date(Date.now() + ttlMs) },
      { transaction },
    );
    return token;
  }

  private async userTokenIsLive(token: string, purpose: UserTokenPurpose): Promise<boolean> {
    const [row] = await this.deps.sequelize.query(
      `SELECT 1 FROM user_tokens WHERE token_hash = :hash AND purpose = :purpose AND used_at IS NULL AND expires_at > now()`,
      { replacements: { hash: hashSecret(token), purpose }, type: QueryTypes.SELECT },
    );
    return row !== undefined;
  }

  /** Marks the token used if it is valid; returns its user, or null. Atomic, so it works once. */
  private async consumeUserToken(token: string, purpose: UserTokenPurpose, transaction: import('sequelize').Transaction) {
    const [rows] = await this.deps.sequelize.query(
      `UPDATE user_tokens SET used_at = now(), updated_at = now()
        WHERE token_hash = :hash AND purpose = :purpose AND used_at IS NULL AND expires_at > now()
        RETURNING user_id`,
      { replacements: { hash: hashSecret(token), purpose }, transaction },
    );
    return (rows as Array<{ user_id: string }>)[0]?.user_id ?? null;
  }
}
