import type { ActivateResponse, TrialRequest } from '@ngn/shared';
import type { AppDeps } from '../../context';
import { User } from '../../db/models';
import type { RequestMeta } from '../../lib/http/request-meta';
import { AppError, conflict, forbidden } from '../../lib/errors';
import { LicenseIssuer } from './issuing';
import { LicenseSql } from './license-sql';
import { MachineSeats } from './machine-seats';

/** The policy every self-serve trial is issued on. */
export const TRIAL_POLICY = 'trial';

const trialAlreadyUsed = () =>
  conflict('trial_already_used', 'The trial of this product has already been used on this account or on this computer. Buy a license to keep using it.');

/**
 * A self-serve trial: the license and this machine's seat in one transaction,
 * so the user gets a working plugin from one button, or nothing at all.
 * The trials table's unique indexes hold the one-per-account and
 * one-per-machine rules across concurrent requests and API processes.
 */
export class TrialStarter {
  private readonly store: LicenseSql;
  private readonly issuer: LicenseIssuer;

  constructor(
    private readonly deps: AppDeps,
    private readonly seats: MachineSeats,
  ) {
    this.store = new LicenseSql(deps.sequelize);
    this.issuer = new LicenseIssuer(deps);
  }

  async start(userId: string, input: TrialRequest, meta: RequestMeta): Promise<ActivateResponse> {
    const user = await User.findByPk(userId, { attributes: ['email_verified_at'] });
    if (!user?.email_verified_at) throw forbidden('Confirm your email address to start a trial.', 'email_not_verified');
    return this.deps.sequelize.transaction(async (transaction) => {
      const [offered] = await this.store.rows<{ id: string }>(
        'SELECT id FROM policies WHERE product_id = :product AND name = :policy',
        { product: input.product, policy: TRIAL_POLICY },
        transaction,
      );
      if (!offered) throw new AppError(404, 'trial_not_offered', 'This product has no trial.');
      // No conflict target: a clash on either index (this account, or this machine) means the trial is used.
      const [trial] = await this.store.rows<{ id: string }>(
        `INSERT INTO trials (user_id, product_id, fingerprint) VALUES (:user, :product, :fingerprint)
         ON CONFLICT DO NOTHING RETURNING id`,
        { user: userId, product: input.product, fingerprint: input.hardware_id },
        transaction,
      );
      if (!trial) throw trialAlreadyUsed();
      const license = await this.issuer.issue({
        userId,
        product: input.product,
        policy: TRIAL_POLICY,
        source: { type: 'trial', id: trial.id },
        actorUserId: userId,
        meta,
        transaction,
      });
      await this.store.rows('UPDATE trials SET license_id = :license WHERE id = :id RETURNING id', { license: license.id, id: trial.id }, transaction);
      const { product: _product, ...machine } = input;
      return this.seats.activate(userId, { ...machine, license_key: license.license_key }, meta, transaction);
    });
  }
}
