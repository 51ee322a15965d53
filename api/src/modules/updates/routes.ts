import { endpoints } from '@ngn/shared';
import { notFound } from '../../lib/errors';
import { sendFile } from '../../lib/http/send-file';
import type { Module } from '../module';
import { FEED_PLATFORM, renderFeed } from './feed';

/**
 * The companion's self-update feed for electron-updater's generic provider:
 * point `publish.url` at `<api>/api/v1/updates/companion/<channel>`. Public, as
 * the app updates itself before anyone signs in; every artifact is verified by
 * sha512 (electron-updater) and by the release signature.
 */
export const updatesModule: Module = (m) => {
  const releases = m.services.releases;

  m.route(
    endpoints.companionUpdateFeed,
    async ({ params, ctx }) => {
      const [newest] = await releases.live.byVersion('companion', FEED_PLATFORM[params.feed], params.channel);
      if (!newest) throw notFound(`A companion release on ${params.channel} for ${FEED_PLATFORM[params.feed]}`);
      // Clients must see a yank or a new version at once, so nothing may cache it unchecked.
      ctx.set('Cache-Control', 'no-cache');
      ctx.type = 'text/yaml; charset=utf-8';
      ctx.body = renderFeed(newest);
    },
  );
  m.route(
    endpoints.companionUpdateFile,
    async ({ params, ctx }) => {
      const { row, part } = await releases.live.findFile({ product: 'companion', ...params }, params.file_name);
      // Streamed here even with S3 storage: differential updates ask for many ranges at once.
      await sendFile(ctx, releases.live.servedFile(row, part));
    },
  );
};
