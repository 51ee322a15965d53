import type { Sequelize } from 'sequelize';
import { AuditLog } from './audit-log';
import { AuthSession, RefreshToken, UserToken, type UserTokenPurpose } from './auth-session';
import { User } from './user';

export { AuditLog, AuthSession, RefreshToken, User, UserToken };
export type { UserTokenPurpose };

/** Each area registers its models here; associations are declared after all are initialised. */
const MODELS = [User, AuthSession, RefreshToken, UserToken, AuditLog];

export function initModels(sequelize: Sequelize): void {
  for (const model of MODELS) model.initModel(sequelize);
}
