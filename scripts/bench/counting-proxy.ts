import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of one origin that counts the response body bytes it
 * passes on, so a benchmark can tell how much a client downloaded in all
 * (file size + whatever was sent twice). It can also cut one response after a
 * number of bytes, as a dropped connection would.
 */
export interface CountingProxy {
  url: string;
  /** Response body bytes passed to clients since the last reset. */
  bodyBytes(): number;
  reset(): void;
  /** The next response is destroyed after this many body bytes. */
  cutNextAfter(bytes: number): void;
  close(): Promise<void>;
}

export async function startCountingProxy(origin: string): Promise<CountingProxy> {
  const target = new URL(origin);
  let counted = 0;
  let cutAfter: number | undefined;
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        const limit = cutAfter;
        cutAfter = undefined;
        let sent = 0;
        up.on('data', (chunk: Buffer) => {
          if (limit !== undefined && sent + chunk.length > limit) {
            const head = chunk.subarray(0, limit - sent);
            counted += head.length;
            res.write(head, () => res.socket?.destroy());
            up.destroy();
            return;
          }
          sent += chunk.length;
          counted += chunk.length;
          if (!res.write(chunk)) {
            up.pause();
            res.once('drain', () => up.resume());
          }
        });
        up.on('end', () => res.end());
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodyBytes: () => counted,
    reset: () => (counted = 0),
    cutNextAfter: (bytes) => (cutAfter = bytes),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
