import { endpoints } from '@ngn/shared';
import { requestMeta } from '../../lib/http/request-meta';
import type { Module } from '../module';

/** Admin API keys: created and revoked by an admin with a session (a key cannot mint keys). */
export const apiKeysModule: Module = (m) => {
  const { apiKeys: keys } = m.services;
  m.bearerResolvers.push(keys.resolveBearer);

  m.route(
    endpoints.adminCreateApiKey,
    ({ body, user, ctx }) => keys.create(body, user.id, requestMeta(ctx)),
  );
  m.route(
    endpoints.adminListApiKeys,
    ({ query }) => keys.list(query),
  );
  m.route(
    endpoints.adminRevokeApiKey,
    ({ params, user, ctx }) => keys.revoke(params.id, user.id, requestMeta(ctx)),
  );
};
