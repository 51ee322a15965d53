import { endpoints } from '@ngn/shared';
import { Readable } from 'node:stream';
import { requestMeta } from '../../lib/http/request-meta';
import type { Module } from '../module';

/** The user's own data rights (seed §5.2 settings): download everything, delete everything. */
export const accountModule: Module = (m) => {
  const { accountExport: exporter, accountDeletion: deletion } = m.services;

  m.route(
    endpoints.exportAccount,
    async ({ user, ctx }) => {
      const chunks = await exporter.open(user.id);
      ctx.set('Content-Disposition', `attachment; filename="nextgen-noise-data-${new Date().toISOString().slice(0, 10)}.json"`);
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'application/json';
      ctx.body = Readable.from(chunks);
    },
  );
  m.route(
    endpoints.deleteAccount,
    async ({ user, body, ctx }) => {
      await deletion.delete(user.id, body.password, requestMeta(ctx));
      return { message: 'account_deleted' };
    },
  );
};
