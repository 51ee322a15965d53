import type { Sequelize } from 'sequelize';
import { AuditLog } from './audit-log';
import { AuthSession, RefreshToken, UserToken, type UserTokenPurpose } from './auth-session';
import { Activation, License, Policy, Product, type LicenseSourceType } from './licensing';
import { User } from './user';
import { SupportMessage, SupportTicket } from './support';
import { ApiKey } from './api-key';
import { Release } from './release';
import { Plan, Purchase, StripeEventRecord } from './purchase';

export { AuditLog, AuthSession, RefreshToken, User, UserToken };
export type { UserTokenPurpose };
export { SupportMessage, SupportTicket };
export { ApiKey, Release };
export { Activation, License, Policy, Product };
export { Plan, Purchase, StripeEventRecord };
export type { LicenseSourceType };

/** Each area registers its models here; associations are declared after all are initialised. */
const MODELS = [User, AuthSession, RefreshToken, UserToken, AuditLog, Product, Policy, License, Activation, ApiKey, Release, SupportTicket, SupportMessage, Plan, Purchase, StripeEventRecord];

/**
 * Sequelize binds model classes to one instance, so one process serves one
 * database: the last app built in a process owns the models. Production runs one
 * app per process; tests run each file in its own process with one app.
 */
export function initModels(sequelize: Sequelize): void {
  for (const model of MODELS) model.initModel(sequelize);
}
