import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { Role } from '@ngn/shared';

const ISSUER = 'ngn-api';
const AUDIENCE = 'ngn';

const Claims = z.object({ sub: z.string(), sid: z.string(), role: Role, jti: z.string() });
export type AccessClaims = z.infer<typeof Claims>;

export class AccessTokens {
  /** A KeyObject made once: given a string, jsonwebtoken would try to parse it as a public key on every verify. */
  private readonly secret: KeyObject;

  constructor(
    secret: string,
    readonly ttlSeconds: number,
  ) {
    this.secret = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  sign(input: { userId: string; sessionId: string; role: Role }): string {
    return jwt.sign({ sid: input.sessionId, role: input.role }, this.secret, {
      algorithm: 'HS256',
      subject: input.userId,
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: this.ttlSeconds,
      jwtid: randomUUID(),
    });
  }

  /** Returns the claims, or why the token was refused. */
  verify(token: string): { ok: true; claims: AccessClaims } | { ok: false; reason: 'token_expired' | 'token_invalid' } {
    try {
      const payload = jwt.verify(token, this.secret, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE });
      const claims = Claims.safeParse(payload);
      return claims.success ? { ok: true, claims: claims.data } : { ok: false, reason: 'token_invalid' };
    } catch (err) {
      return { ok: false, reason: err instanceof jwt.TokenExpiredError ? 'token_expired' : 'token_invalid' };
    }
  }
}
