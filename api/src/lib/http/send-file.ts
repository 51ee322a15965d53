import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Context } from 'koa';
import { AppError } from '../errors';
import type { ByteRange } from '../storage';

/** A file to answer with: its validators and a way to read any part of it. */
export interface ServedFile {
  size: number;
  /** Strong validator, quoted, e.g. `"<sha256>"`: the same bytes always have the same tag. */
  etag: string;
  lastModified: Date;
  contentType: string;
  /** e.g. `attachment; filename=...`; omit for inline content. */
  contentDisposition?: string;
  cacheControl: string;
  open(range?: ByteRange): Promise<Readable>;
}

/** More ranges than this and the Range header is ignored (RFC 9110 allows it): no amplification by tiny ranges. */
const MAX_RANGES = 16;
const RANGE_SPEC = /^(\d*)-(\d*)$/;

/**
 * Parses a `Range: bytes=...` header (RFC 9110 §14.1.2) against a size.
 * Returns the ranges to send (clipped to the file), 'unsatisfiable' when none
 * overlaps the file (answer 416), or undefined when the header should be
 * ignored (syntax error, other unit, too many ranges: answer 200 with everything).
 */
export function parseRangeHeader(header: string, size: number): ByteRange[] | 'unsatisfiable' | undefined {
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return undefined;
  const specs = header
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim());
  if (!specs.length || specs.length > MAX_RANGES) return undefined;
  const ranges: ByteRange[] = [];
  for (const spec of specs) {
    const m = RANGE_SPEC.exec(spec);
    if (!m || (m[1] === '' && m[2] === '')) return undefined;
    if (m[1] === '') {
      // suffix range: the last N bytes
      const n = Number(m[2]);
      if (n > 0 && size > 0) ranges.push({ start: Math.max(0, size - n), end: size - 1 });
      continue;
    }
    const start = Number(m[1]);
    if (m[2] !== '' && Number(m[2]) < start) return undefined; // "last before first" is a syntax error
    if (start < size) ranges.push({ start, end: m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1) });
  }
  if (!ranges.every((r) => Number.isSafeInteger(r.start) && Number.isSafeInteger(r.end))) return undefined;
  return ranges.length ? ranges : 'unsatisfiable';
}

function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === bare);
}

/** If-Range (RFC 9110 §13.1.5): a range is honoured only if the file is still the one the client has part of. */
function ifRangeHolds(ctx: Context, file: ServedFile): boolean {
  const value = ctx.get('if-range').trim();
  if (!value) return true;
  if (value.startsWith('"') || value.startsWith('W/')) return value === file.etag; // strong comparison only
  const date = Date.parse(value);
  return !Number.isNaN(date) && Math.floor(file.lastModified.getTime() / 1000) === Math.floor(date / 1000);
}

function multipartBody(file: ServedFile, ranges: ByteRange[], boundary: string): { stream: Readable; length: number } {
  const heads = ranges.map(
    (r) => `\r\n--${boundary}\r\nContent-Type: ${file.contentType}\r\nContent-Range: bytes ${r.start}-${r.end}/${file.size}\r\n\r\n`,
  );
  const tail = `\r\n--${boundary}--\r\n`;
  const length =
    heads.reduce((n, h) => n + Buffer.byteLength(h), 0) + ranges.reduce((n, r) => n + r.end - r.start + 1, 0) + Buffer.byteLength(tail);
  async function* parts() {
    for (let i = 0; i < ranges.length; i += 1) {
      yield Buffer.from(heads[i]!);
      // One range open at a time, so a many-part answer holds one file handle.
      for await (const chunk of await file.open(ranges[i])) yield chunk as Buffer;
    }
    yield Buffer.from(tail);
  }
  return { stream: Readable.from(parts(), { objectMode: false }), length };
}

/**
 * Answers GET/HEAD for a file with everything a resuming downloader needs:
 * Accept-Ranges, ETag, Last-Modified, Content-Length, single ranges (206),
 * several ranges (206 multipart/byteranges), If-Range, If-None-Match (304) and
 * 416 for a range past the end.
 */
export async function sendFile(ctx: Context, file: ServedFile): Promise<void> {
  ctx.set('Accept-Ranges', 'bytes');
  ctx.set('ETag', file.etag);
  ctx.set('Last-Modified', file.lastModified.toUTCString());
  ctx.set('Cache-Control', file.cacheControl);
  if (file.contentDisposition) ctx.set('Content-Disposition', file.contentDisposition);

  const ifNoneMatch = ctx.get('if-none-match');
  if (ifNoneMatch && etagMatches(ifNoneMatch, file.etag)) {
    ctx.status = 304;
    return;
  }

  const rangeHeader = ctx.get('range');
  const parsed = rangeHeader && ifRangeHolds(ctx, file) ? parseRangeHeader(rangeHeader, file.size) : undefined;
  if (parsed === 'unsatisfiable') {
    throw new AppError(416, 'range_not_satisfiable', `The requested range is outside the file (${file.size} bytes).`, undefined, {
      'Content-Range': `bytes */${file.size}`,
    });
  }

  const head = ctx.method === 'HEAD';
  let length: number;
  if (!parsed) {
    ctx.status = 200;
    ctx.body = head ? Readable.from([]) : await file.open();
    ctx.type = file.contentType;
    length = file.size;
  } else if (parsed.length === 1) {
    const [range] = parsed as [ByteRange];
    ctx.status = 206;
    ctx.body = head ? Readable.from([]) : await file.open(range);
    ctx.type = file.contentType;
    ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
    length = range.end - range.start + 1;
  } else {
    const boundary = randomBytes(12).toString('hex');
    const body = multipartBody(file, parsed, boundary);
    ctx.status = 206;
    ctx.body = head ? Readable.from([]) : body.stream;
    ctx.type = `multipart/byteranges; boundary=${boundary}`;
    length = body.length;
  }
  ctx.length = length;
}
