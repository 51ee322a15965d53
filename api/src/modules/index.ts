import { authModule } from './auth/routes';
import { healthModule } from './health/routes';
import type { Module } from './module';
import { usersModule } from './users/routes';

/** Every area of the API, registered in this order. */
export const MODULES: Module[] = [healthModule, authModule, usersModule];
