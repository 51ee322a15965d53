import { randomBytes } from 'node:crypto';
import type { Transaction } from 'sequelize';
import { generateLicenseKey } from '@ngn/shared';
import type { AppDeps } from '../../context';
import { Policy, Product, type LicenseSourceType } from '../../db/models';
import { audit } from '../../db/audit';
import type { RequestMeta } from '../../lib/http/request-meta';
import { notFound } from '../../lib/errors';
import { LicenseSql, SYSTEM_META } from './license-sql';

export interface LicenseSource {
  type: LicenseSourceType;
  /** e.g. the purchase id or the granting admin's reason reference. */
  id?: string;
}

export interface IssueLicenseInput {
  userId: string;
  /** Product id, e.g. 'mixing_mentor'. */
  product: string;
  /** Policy name within the product, e.g. 'standard'. */
  policy: string;
  source: LicenseSource;
  /** Overrides the policy's duration; null never expires. */
  expiresAt?: Date | null;
  actorUserId?: string | null;
  reason?: string;
  meta?: RequestMeta;
  transaction?: Transaction;
}

export interface IssuedLicense {
  id: string;
  license_key: string;
  product: string;
  license_type: string;
  policy: string;
  expires_at: string | null;
}

const MAX_KEY_ATTEMPTS = 5;

/** Creates licenses (purchases, trials, admin grants, the CLI) under a fresh random key, audited. */
export class LicenseIssuer {
  private readonly store: LicenseSql;

  constructor(deps: Pick<AppDeps, 'sequelize'>) {
    this.store = new LicenseSql(deps.sequelize);
  }

  async issue(input: IssueLicenseInput): Promise<IssuedLicense> {
    return this.store.inTransaction(input.transaction, async (transaction) => {
      const policy = await Policy.findOne({ where: { product_id: input.product, name: input.policy }, transaction });
      if (!policy) {
        const product = await Product.findByPk(input.product, { transaction });
        throw product ? notFound('Policy', 'policy_not_found') : notFound('Product', 'product_not_found');
      }
      const expiresAt =
        input.expiresAt !== undefined
          ? input.expiresAt
          : policy.duration_days
            ? new Date(Date.now() + policy.duration_days * 86_400_000)
            : null;
      for (let attempt = 0; attempt < MAX_KEY_ATTEMPTS; attempt += 1) {
        // ON CONFLICT instead of catching the violation: an error would abort the caller's transaction.
        const [row] = await this.store.rows<{ id: string; license_key: string }>(
          `INSERT INTO licenses (license_key, user_id, product_id, policy_id, expires_at, source_type, source_id)
           VALUES (:key, :user, :product, :policy, :expires, :source_type, :source_id)
           ON CONFLICT (license_key) DO NOTHING
           RETURNING id, license_key`,
          {
            key: generateLicenseKey((n) => randomBytes(n)),
            user: input.userId,
            product: input.product,
            policy: policy.id,
            expires: expiresAt,
            source_type: input.source.type,
            source_id: input.source.id ?? null,
          },
          transaction,
        );
        if (!row) continue;
        await audit(
          {
            action: 'license.issued',
            actorUserId: input.actorUserId ?? null,
            subjectUserId: input.userId,
            targetType: 'license',
            targetId: row.id,
            metadata: { product: input.product, policy: input.policy, source: input.source, reason: input.reason },
          },
          input.meta ?? SYSTEM_META,
          transaction,
        );
        return {
          id: row.id,
          license_key: row.license_key,
          product: input.product,
          license_type: policy.license_type,
          policy: policy.name,
          expires_at: expiresAt ? expiresAt.toISOString() : null,
        };
      }
      throw new Error('Could not generate a unique license key');
    });
  }
}
