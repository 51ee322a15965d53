import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type BuiltApp } from './app';
import type { Config } from './config';
import { closeDeps, createDeps, type AppDeps } from './context';
import { migrate } from './db/migrate';
import { makeDrainable } from './lib/http/drain';
import type { Logger } from './lib/logger';

export interface RunningApi {
  url: string;
  deps: AppDeps;
  built: BuiltApp;
  server: Server;
  /** Stops accepting, lets in-flight requests finish, then closes jobs and the pool. */
  close(): Promise<void>;
}

export interface StartOptions {
  databaseUrl: string;
  logger: Logger;
  /** Run job handlers in this process (mail, schedules). */
  work?: boolean;
  migrate?: boolean;
}

/** Migrates, wires the dependencies and listens: shared by server.ts, `npm start` and tests. */
export async function startApi(config: Config, opts: StartOptions): Promise<RunningApi> {
  const deps = await createDeps(config, opts.logger, opts.databaseUrl);
  if (opts.migrate !== false) {
    const applied = await migrate(deps.sequelize);
    if (applied.length) opts.logger.info({ applied }, 'migrations applied');
  }
  const built = createApp(deps);
  await deps.jobs.start({ work: opts.work !== false });
  const server = built.app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.keepAliveTimeout = 5_000;
  // Requests Node refuses before Koa sees them (oversized headers, malformed
  // HTTP) still get the JSON error shape.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify(
      tooLarge
        ? { error: 'headers_too_large', message: 'The request line or headers are too large.' }
        : { error: 'bad_request', message: 'The request is not valid HTTP.' },
    );
    socket.end(
      `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  const drain = makeDrainable(server);
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await drain();
      await closeDeps(deps);
    })());
  return { url, deps, built, server, close };
}
