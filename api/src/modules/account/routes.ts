import { Readable } from 'node:stream';
import { DeleteAccountRequest, MessageResponse } from '@ngn/shared';
import { requestMeta } from '../../lib/http/request-meta';
import type { Module } from '../module';

/** The user's own data rights (seed §5.2 settings): download everything, delete everything. */
export const accountModule: Module = (m) => {
  const { accountExport: exporter, accountDeletion: deletion } = m.services;
  const tags = ['user'];

  m.route(
    { method: 'get', path: '/user/export', summary: 'Download all my personal data as one JSON file', tags, access: 'user' },
    async ({ user, ctx }) => {
      const chunks = await exporter.open(user.id);
      ctx.set('Content-Disposition', `attachment; filename="nextgen-noise-data-${new Date().toISOString().slice(0, 10)}.json"`);
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'application/json';
      ctx.body = Readable.from(chunks);
    },
  );
  m.route(
    {
      method: 'delete',
      path: '/user/account',
      summary: 'Delete my account and personal data (asks for the password)',
      tags,
      access: 'user',
      body: DeleteAccountRequest,
      response: MessageResponse,
      errors: { 400: 'Wrong password', 429: 'Too many wrong passwords' },
    },
    async ({ user, body, ctx }) => {
      await deletion.delete(user.id, body.password, requestMeta(ctx));
      return { message: 'account_deleted' };
    },
  );
};
