import { endpoints } from '@ngn/shared';
import { ANNOUNCE_JOB, announceRelease } from './announcements';
import { RegisterExternalReleaseRequest } from '@ngn/shared';
import type { Context } from 'koa';
import { AppError, badRequest } from '../../lib/errors';
import type { AuthUser } from '../../lib/http/route-spec';
import { requestMeta } from '../../lib/http/request-meta';
import { parseOrThrow } from '../../lib/http/route';
import type { Module } from '../module';
import { readMultipart } from './multipart';
import { type ReleaseUpload } from './service';

/** Multipart overhead (fields, part headers, a blockmap) tolerated above the artifact limit before refusing on Content-Length alone. */
const MULTIPART_SLACK_BYTES = 64 * 1024 * 1024;

export const releasesModule: Module = (m) => {
  const { releases } = m.services;
  m.jobs.define<{ release_id: string }>(ANNOUNCE_JOB, ({ release_id }) => announceRelease(m, release_id).then(() => undefined));
  // Admins, or admin API keys holding releases:write (a release pipeline).

  /** Streams a multipart upload: text fields first, then `file`, then optionally `blockmap`. */
  async function upload(ctx: Context, user: AuthUser) {
    const declared = Number(ctx.get('content-length') || 0);
    if (declared > m.config.releaseMaxUploadBytes + MULTIPART_SLACK_BYTES) {
      ctx.set('Connection', 'close');
      throw new AppError(413, 'payload_too_large', `Release files are limited to ${Math.floor(m.config.releaseMaxUploadBytes / 1048576)} MiB.`);
    }
    let session: ReleaseUpload | undefined;
    try {
      await readMultipart(ctx, async ({ field, fileName, stream, fields }) => {
        session ??= await releases.publishing.beginUpload(fields);
        if (field === 'file') await session.storeArtifact(fileName, stream);
        else if (field === 'blockmap') await session.storeBlockmap(stream);
        else throw badRequest('invalid_upload', `Unexpected file part ${field}: send "file" and optionally "blockmap".`);
      });
      if (!session) throw badRequest('invalid_upload', 'The upload has no file part.');
      return await session.commit(user, requestMeta(ctx));
    } catch (err) {
      await session?.abort();
      throw err;
    }
  }

  m.route(
    endpoints.adminPublishRelease,
    async ({ ctx, user }) => {
      if (ctx.is('multipart/form-data')) return upload(ctx, user);
      if (ctx.is('application/json')) {
        const body = parseOrThrow(RegisterExternalReleaseRequest, ctx.request.body ?? {}, 'body');
        return releases.publishing.registerExternal(body, user, requestMeta(ctx));
      }
      throw new AppError(415, 'unsupported_media_type', 'Send multipart/form-data (an upload) or JSON (an external URL).');
    },
  );
  m.route(
    endpoints.adminListReleases,
    ({ query }) => releases.catalog.list(query),
  );
  m.route(
    endpoints.adminGetRelease,
    ({ params }) => releases.catalog.get(params.id),
  );
  m.route(
    endpoints.adminUpdateRelease,
    ({ params, body, user, ctx }) => releases.catalog.update(params.id, body, user.id, requestMeta(ctx)),
  );
  m.route(
    endpoints.adminYankRelease,
    ({ params, body, user, ctx }) => releases.catalog.yank(params.id, body.reason, user.id, requestMeta(ctx)),
  );
  m.route(
    endpoints.adminUnyankRelease,
    ({ params, user, ctx }) => releases.catalog.unyank(params.id, user.id, requestMeta(ctx)),
  );
  m.route(
    endpoints.releaseKeyset,
    async ({ ctx }) => {
      const document = await releases.keysetDocument();
      // Short: a revocation must reach clients soon; they refuse an older version anyway.
      ctx.set('Cache-Control', 'public, max-age=60');
      ctx.type = 'application/json; charset=utf-8';
      ctx.body = document;
    },
  );
};
