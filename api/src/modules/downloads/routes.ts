import { DownloadInfo, DownloadsLatestQuery, DownloadsVersionsQuery, DownloadVersionList, SignedFileQuery } from '@ngn/shared';
import { sendFile } from '../../lib/http/send-file';
import type { Module } from '../module';
import { invalidLink } from './service';

export const downloadsModule: Module = (m) => {
  const { downloads } = m.services;
  const tags = ['downloads'];

  m.route(
    { method: 'get', path: '/downloads/latest', summary: 'Newest version for a platform, with a short-lived download link', tags, access: 'user', query: DownloadsLatestQuery, response: DownloadInfo, errors: { 403: 'No active license (license_required)', 404: 'Nothing released yet' } },
    ({ user, query }) => downloads.latest(user, query),
  );
  m.route(
    { method: 'get', path: '/downloads/versions', summary: 'Every live version, newest first, with short-lived download links', tags, access: 'user', query: DownloadsVersionsQuery, response: DownloadVersionList, errors: { 403: 'No active license (license_required)' } },
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
