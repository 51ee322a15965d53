import { accountModule } from './account/routes';
import { adminUsersModule } from './admin-users/routes';
import { apiKeysModule } from './api-keys/routes';
import { authModule } from './auth/routes';
import { downloadsModule } from './downloads/routes';
import { healthModule } from './health/routes';
import { legalModule } from './legal/routes';
import { licensesAdminModule } from './licenses/admin-routes';
import { licensesModule } from './licenses/routes';
import { metricsModule } from './metrics/routes';
import type { Module } from './module';
import { newsletterModule } from './newsletter/routes';
import { offlineModule } from './offline/routes';
import { purchasesModule } from './purchases/routes';
import { releasesModule } from './releases/routes';
import { supportModule } from './support/routes';
import { telemetryModule } from './telemetry/routes';
import { updatesModule } from './updates/routes';
import { usersModule } from './users/routes';

/** Every area of the API, registered in this order. */
export const MODULES: Module[] = [healthModule, metricsModule, newsletterModule, authModule, usersModule, licensesModule, licensesAdminModule, purchasesModule, apiKeysModule, releasesModule, downloadsModule, updatesModule, telemetryModule, supportModule, adminUsersModule, accountModule, legalModule, offlineModule];
