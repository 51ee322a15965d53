import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { Context } from 'koa';
import { AppError, badRequest } from '../../lib/errors';

/** Called for each file part in order, with the text fields that came before it. */
export type FilePartHandler = (part: { field: string; fileName: string; stream: Readable; fields: Record<string, string> }) => Promise<void>;

const LIMITS = { fields: 20, fieldSize: 64 * 1024, files: 2, parts: 22 };

/**
 * Streams a multipart/form-data request part by part: text fields are
 * collected, each file part goes to `onFile` as a stream while the request is
 * still arriving, so nothing is held whole in memory. Resolves with the fields
 * once every part was handled. On the first failure it stops parsing; the rest
 * of a body of declared length is read and discarded so the client, still
 * sending, gets the error answer (closing instead makes many clients see a
 * reset, not the answer); a body of unknown length gets the connection closed.
 */
export function readMultipart(ctx: Context, onFile: FilePartHandler): Promise<Record<string, string>> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: ctx.req.headers, limits: LIMITS });
  } catch {
    return Promise.reject(badRequest('invalid_upload', 'Send multipart/form-data with a boundary.'));
  }
  const fields: Record<string, string> = {};
  return new Promise((resolve, reject) => {
    let failed = false;
    // File parts are handled one after the other: a blockmap needs its artifact first.
    let chain: Promise<void> = Promise.resolve();
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      ctx.req.unpipe(parser);
      if (ctx.get('content-length')) ctx.req.resume();
      else ctx.set('Connection', 'close');
      reject(err);
    };
    const tooMany = () => fail(badRequest('invalid_upload', `Send at most ${LIMITS.fields} fields and ${LIMITS.files} files.`));

    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) return fail(badRequest('invalid_upload', `Field ${name} is too long.`));
      if (name in fields) return fail(badRequest('invalid_upload', `Field ${name} was sent twice.`));
      fields[name] = value;
    });
    parser.on('file', (field, stream, info) => {
      const snapshot = { ...fields };
      chain = chain.then(() => (failed ? undefined : onFile({ field, fileName: info.filename ?? '', stream, fields: snapshot })));
      chain.catch((err) => {
        stream.resume(); // let the parser move on so it can be torn down
        fail(err);
      });
    });
    parser.on('fieldsLimit', tooMany);
    parser.on('filesLimit', tooMany);
    parser.on('partsLimit', tooMany);
    parser.on('error', (err) => fail(err instanceof AppError ? err : badRequest('invalid_upload', `The multipart body is malformed: ${(err as Error).message}`)));
    parser.on('close', () => {
      chain.then(() => (failed ? undefined : resolve(fields)), fail);
    });
    ctx.req.once('close', () => {
      if (!ctx.req.complete) fail(badRequest('invalid_upload', 'The upload was interrupted.'));
    });
    ctx.req.pipe(parser);
  });
}
