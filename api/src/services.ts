import type { AppDeps } from './context';
import { AccountDeletion } from './modules/account/deletion';
import { AccountExport } from './modules/account/export';
import { AdminUsersService } from './modules/admin-users/service';
import { AuditLogQueries } from './modules/admin-users/audit-logs';
import { ApiKeysService } from './modules/api-keys/service';
import { AuthService } from './modules/auth/service';
import { DownloadsService } from './modules/downloads/service';
import { LicenseAdminService } from './modules/licenses/admin-service';
import { LicensesService } from './modules/licenses/service';
import { createMetricsService } from './modules/metrics/service';
import { NewsletterService } from './modules/newsletter/service';
import { PurchasesAdminService } from './modules/purchases/admin-service';
import { PurchaseLedger } from './modules/purchases/ledger';
import { PlansAdminService } from './modules/purchases/plans-admin';
import { PurchasesService } from './modules/purchases/service';
import { createStripeClient } from './modules/purchases/stripe-client';
import { StripeWebhookReceiver } from './modules/purchases/webhook';
import { WebhookEventsAdmin } from './modules/purchases/webhook-admin';
import { ReleasesService } from './modules/releases/service';
import { SupportService } from './modules/support/service';
import { DashboardService } from './modules/telemetry/dashboard';
import { TelemetryRollups } from './modules/telemetry/rollups';
import { TelemetryService } from './modules/telemetry/service';
import { UsersService } from './modules/users/service';

/**
 * The composition root: every service of the API, built once and in
 * dependency order (a service is built after those it is handed). Modules
 * take theirs from here to register routes and jobs; scripts build the same
 * set, so the admin CLI runs the code the API runs.
 */
export function createServices(deps: AppDeps) {
  const stripe = createStripeClient(deps.config.stripe);
  const metrics = createMetricsService(deps);
  const newsletter = new NewsletterService(deps);
  const auth = new AuthService(deps, newsletter);
  deps.beforeClose.push(() => auth.close());
  const users = new UsersService(newsletter);
  const apiKeys = new ApiKeysService(deps);
  const adminUsers = new AdminUsersService({ ...deps, auth });
  const auditLogs = new AuditLogQueries(deps);

  const licenses = new LicensesService(deps);
  deps.beforeClose.push(() => licenses.close());
  const licenseAdmin = new LicenseAdminService(deps.sequelize, licenses);

  const purchases = new PurchasesService(deps, stripe);
  const purchasesAdmin = new PurchasesAdminService(deps, stripe);
  const plansAdmin = new PlansAdminService(deps, stripe);
  const webhooks = new StripeWebhookReceiver(deps, stripe, new PurchaseLedger(deps, stripe, licenses, newsletter));
  const webhookEvents = new WebhookEventsAdmin(deps, stripe, webhooks);

  const releases = new ReleasesService(deps);
  const downloads = new DownloadsService(deps, releases, licenses);

  const telemetry = new TelemetryService(deps);
  const rollups = new TelemetryRollups({ sequelize: deps.sequelize, retentionDays: deps.config.telemetryRetentionDays });
  const dashboard = new DashboardService({ sequelize: deps.sequelize, rollups });

  const support = new SupportService(deps);
  const accountExport = new AccountExport(deps);
  const accountDeletion = new AccountDeletion(deps, { licenses, auth, telemetry, newsletter });

  return {
    stripe,
    metrics,
    newsletter,
    auth,
    users,
    apiKeys,
    adminUsers,
    auditLogs,
    licenses,
    licenseAdmin,
    purchases,
    purchasesAdmin,
    plansAdmin,
    webhooks,
    webhookEvents,
    releases,
    downloads,
    telemetry,
    rollups,
    dashboard,
    support,
    accountExport,
    accountDeletion,
  };
}

export type Services = ReturnType<typeof createServices>;
