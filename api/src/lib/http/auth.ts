import type { Context } from 'koa';
import type { Role } from '@ngn/shared';
import type { AccessTokens } from '../access-tokens';
import { AppError, forbidden, unauthorized } from '../errors';
import type { Access } from '@ngn/shared';
import type { AuthUser } from './route-spec';

/** Resolves an `Authorization: Bearer <token>` header to a caller another way than a user session. */
export type BearerResolver = (token: string) => Promise<AuthUser | undefined>;

/** A session as the authenticator needs it: its user, their role and status, and whether it was signed out. */
export interface SessionRow {
  user_id: string;
  email: string;
  role: Role;
  status: string;
  revoked_at: Date | null;
}

/**
 * Access tokens are short JWTs, but every request still checks their session row:
 * one primary-key join that makes logout, password reset and suspension take
 * effect at once instead of when the token expires. The role comes from the
 * database too, so a role change needs no new token.
 */
export function createAuthenticator(deps: {
  accessTokens: AccessTokens;
  extraResolvers: BearerResolver[];
  /** The session row a token names (the auth module reads it), undefined when there is none for that user. */
  sessionOf: (sessionId: string, userId: string) => Promise<SessionRow | undefined>;
}) {
  async function resolve(token: string): Promise<AuthUser> {
    for (const resolver of deps.extraResolvers) {
      const user = await resolver(token);
      if (user) return user;
    }
    const verdict = deps.accessTokens.verify(token);
    if (!verdict.ok) {
      throw unauthorized(
        verdict.reason,
        verdict.reason === 'token_expired' ? 'Your session has expired. Refresh it or sign in again.' : 'Invalid access token.',
      );
    }
    const row = await deps.sessionOf(verdict.claims.sid, verdict.claims.sub);
    if (!row || row.revoked_at) throw unauthorized('token_revoked', 'This session was signed out. Sign in again.');
    if (row.status !== 'active') throw new AppError(403, 'account_suspended', 'This account is suspended.');
    return { id: row.user_id, email: row.email, role: row.role, sessionId: verdict.claims.sid };
  }

  return async function authenticate(ctx: Context, access: Access): Promise<AuthUser | undefined> {
    if (access === 'public') return undefined;
    const header = ctx.get('authorization');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw unauthorized();
    const user = await resolve(match[1]!);
    ctx.state.user = user;
    if (user.apiKeyId) {
      const scope = typeof access === 'object' ? access.apiKeyScope : undefined;
      if (!scope || !user.scopes?.includes(scope)) throw forbidden('This API key is not allowed to call this route.', 'insufficient_scope');
    }
    if (typeof access === 'object' && !access.roles.includes(user.role)) throw forbidden();
    return user;
  };
}
