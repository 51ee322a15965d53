import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { CompanionError } from '../contract/errors';

export interface RangeRequestOptions {
  /** Aborts the request until the response starts (the caller checks it before calling); the body is then the caller's to stop. */
  signal: AbortSignal;
  timeoutMs: number;
  userAgent?: string;
}

/** How the server answered a request for the bytes from `offset` to the end. */
export type RangeAnswer =
  /** The bytes from `offset` follow in `body`; `total` is the whole file's size when the server said. */
  | { kind: 'body'; body: IncomingMessage; total: number | null }
  /** Nothing left after `offset` (416): the partial file may already be whole. */
  | { kind: 'nothing_left' }
  /** The server ignored the Range or the file changed under the same URL: start over from byte 0. */
  | { kind: 'restart' }
  /** The link was refused (signed URLs expire): ask for a fresh one. */
  | { kind: 'renew' };

/**
 * GET of `url` from byte `offset` (a Range request unless 0), following
 * redirects with the same Range. Server errors throw a CompanionError: `offline`
 * for 5xx and unreachable servers (worth a retry), `download_failed` otherwise.
 */
export async function fetchRange(url: string, offset: number, opts: RangeRequestOptions): Promise<RangeAnswer> {
  const res = await get(url, offset, opts);
  const status = res.statusCode ?? 0;
  const discard = <T>(answer: T): T => {
    res.resume();
    return answer;
  };
  if (status === 401 || status === 403 || status === 404 || status === 410) return discard({ kind: 'renew' });
  if (status === 416) return discard(offset > 0 ? { kind: 'nothing_left' } : { kind: 'restart' });
  if (status === 200 && offset > 0) return discard({ kind: 'restart' });
  if (status !== 200 && status !== 206) {
    res.resume();
    throw new CompanionError(status >= 500 ? 'offline' : 'download_failed', `The download server answered ${status}.`, { status });
  }
  if (status === 200) {
    const length = Number(res.headers['content-length']);
    return { kind: 'body', body: res, total: Number.isFinite(length) && length > 0 ? length : null };
  }
  const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers['content-range'] ?? '');
  if (!range || Number(range[1]) !== offset) return discard({ kind: 'restart' });
  return { kind: 'body', body: res, total: range[3] === '*' ? null : Number(range[3]) };
}

function get(url: string, offset: number, opts: RangeRequestOptions, redirects = 0): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : null;
    if (!client) return reject(new CompanionError('download_failed', `Unsupported download URL scheme ${target.protocol}`));
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    if (opts.userAgent) headers['user-agent'] = opts.userAgent;
    // Not the request's own `signal` option: that would also destroy the response, and
    // with it the bytes that already arrived, when the caller stops the body gracefully.
    const onAbort = () => req.destroy();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    const req = client.get(target, { headers, timeout: opts.timeoutMs }, (res) => {
      opts.signal.removeEventListener('abort', onAbort);
      const status = res.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
        res.resume();
        if (redirects >= 5) return reject(new CompanionError('download_failed', 'Too many redirects.'));
        const next = new URL(res.headers.location, target).toString();
        return resolve(get(next, offset, opts, redirects + 1));
      }
      // The idle timeout also covers a transfer that stalls midway.
      res.setTimeout(opts.timeoutMs, () => res.destroy(new Error('stalled')));
      resolve(res);
    });
    req.on('timeout', () => req.destroy(new CompanionError('timeout', 'The download server did not answer in time.')));
    req.on('error', (err) => {
      opts.signal.removeEventListener('abort', onAbort);
      reject(err instanceof CompanionError ? err : new CompanionError('offline', 'The download server cannot be reached.', { cause: err }));
    });
  });
}

/**
 * Asks the server to end a response early without dropping what is already on
 * its way. HTTP/1.1 has no "stop sending"; closing the connection would discard
 * the bytes in flight (megabytes of socket buffers), which a resume then fetches
 * again. Half-closing instead (our FIN; the request was sent long ago) makes
 * common servers finish what they queued and close, and those bytes arrive.
 */
export function askToEnd(res: IncomingMessage): void {
  res.socket?.end();
}
