import { endpoints } from '@ngn/shared';
import { SignedFileQuery } from '@ngn/shared';
import { sendFile } from '../../lib/http/send-file';
import type { Module } from '../module';
import { invalidLink } from './service';

export const downloadsModule: Module = (m) => {
  const { downloads } = m.services;

  m.route(
    endpoints.latestDownload,
    ({ user, query }) => downloads.latest(user, query),
  );
  m.route(
    endpoints.downloadVersions,
    ({ user, query }) => downloads.versions(user, query),
  );

  // The signed link itself: outside /api/v1 and without a session, so any downloader can follow and resume it.
  m.rootRouter.get('/files/:release_id/:file_name', async (ctx) => {
    const query = SignedFileQuery.safeParse(ctx.query);
    if (!query.success) throw invalidLink();
    const answer = await downloads.resolveSignedFile(ctx.params.release_id!, ctx.params.file_name!, query.data.expires, query.data.sig);
    if ('redirect' in answer) {
      ctx.set('Cache-Control', 'no-store');
      ctx.redirect(answer.redirect);
      return;
    }
    await sendFile(ctx, answer.file);
  });
};
