import { ApiKey, ApiKeyList, ApiKeyListQuery, ApiKeyParams, CreateApiKeyRequest, CreatedApiKey } from '@ngn/shared';
import { requestMeta } from '../../lib/http/request-meta';
import type { Module } from '../module';

/** Admin API keys: created and revoked by an admin with a session (a key cannot mint keys). */
export const apiKeysModule: Module = (m) => {
  const { apiKeys: keys } = m.services;
  m.bearerResolvers.push(keys.resolveBearer);
  const tags = ['admin'];
  const access = { roles: ['admin' as const] };

  m.route(
    { method: 'post', path: '/admin/api-keys', summary: 'Create an admin API key (the key is shown once)', tags, access, body: CreateApiKeyRequest, response: CreatedApiKey, status: 201 },
    ({ body, user, ctx }) => keys.create(body, user.id, requestMeta(ctx)),
  );
  m.route(
    { method: 'get', path: '/admin/api-keys', summary: 'List admin API keys', tags, access, query: ApiKeyListQuery, response: ApiKeyList },
    ({ query }) => keys.list(query),
  );
  m.route(
    { method: 'delete', path: '/admin/api-keys/:id', summary: 'Revoke an admin API key', tags, access, params: ApiKeyParams, response: ApiKey, errors: { 404: 'No such key' } },
    ({ params, user, ctx }) => keys.revoke(params.id, user.id, requestMeta(ctx)),
  );
};
