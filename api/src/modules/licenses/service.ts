import type { Transaction } from 'sequelize';
import type { LicenseState } from '@ngn/shared';
import type { AppDeps } from '../../context';
import { LicenseIssuer, type IssueLicenseInput, type IssuedLicense } from './issuing';
import { LicenseChanges, type ChangeOptions } from './license-changes';
import { MachineChecks } from './machine-checks';
import { MachineSeats } from './machine-seats';
import { OwnedLicenses } from './owned-licenses';
import { EmergencyActivations } from './emergency';
import { FileActivations } from './file-activation';
import { TrialStarter } from './trials';

/**
 * The licenses module's entry in the service registry. Other areas (purchases,
 * trials, downloads, account deletion, admin, scripts) call the methods below
 * and need not know which part does the work; this module's user and machine
 * routes use the parts directly. One instance per process, because the machine
 * checks batch validation stamps in memory until they are flushed or closed.
 */
export class LicensesService {
  readonly seats: MachineSeats;
  readonly checks: MachineChecks;
  readonly owned: OwnedLicenses;
  readonly trials: TrialStarter;
  readonly byFile: FileActivations;
  readonly emergencies: EmergencyActivations;
  private readonly issuer: LicenseIssuer;
  private readonly changes: LicenseChanges;

  constructor(deps: AppDeps) {
    this.seats = new MachineSeats(deps);
    this.checks = new MachineChecks(deps);
    this.owned = new OwnedLicenses(deps);
    this.trials = new TrialStarter(deps, this.seats);
    this.byFile = new FileActivations(deps, this.seats);
    this.emergencies = new EmergencyActivations(deps);
    this.issuer = new LicenseIssuer(deps);
    this.changes = new LicenseChanges(deps);
  }

  issue(input: IssueLicenseInput): Promise<IssuedLicense> {
    return this.issuer.issue(input);
  }

  revoke(licenseId: string, opts: ChangeOptions & { reason: string }): Promise<void> {
    return this.changes.revoke(licenseId, opts);
  }

  changePolicy(licenseId: string, policy: string, opts?: ChangeOptions): Promise<void> {
    return this.changes.changePolicy(licenseId, policy, opts);
  }

  setExpiry(licenseId: string, expiresAt: Date | null, opts?: ChangeOptions): Promise<void> {
    return this.changes.setExpiry(licenseId, expiresAt, opts);
  }

  setStatus(licenseId: string, status: LicenseState, opts?: ChangeOptions): Promise<void> {
    return this.changes.setStatus(licenseId, status, opts);
  }

  setMaxActivations(licenseId: string, maxActivations: number | null, opts?: ChangeOptions): Promise<void> {
    return this.changes.setMaxActivations(licenseId, maxActivations, opts);
  }

  resetActivations(licenseId: string, opts?: ChangeOptions): Promise<number> {
    return this.changes.resetActivations(licenseId, opts);
  }

  deactivateActivation(activationId: string, opts?: ChangeOptions): Promise<Date | null> {
    return this.changes.deactivateActivation(activationId, opts);
  }

  deactivateAllForUser(userId: string, reason: string, transaction?: Transaction): Promise<number> {
    return this.changes.deactivateAllForUser(userId, reason, transaction);
  }

  hasActiveLicense(userId: string, product: string): Promise<boolean> {
    return this.owned.hasActiveLicense(userId, product);
  }

  flushValidationStamps(): Promise<void> {
    return this.checks.flushValidationStamps();
  }

  close(): Promise<void> {
    return this.checks.close();
  }
}
