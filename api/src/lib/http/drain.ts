import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Graceful close for an HTTP server: stop accepting, let every request already
 * received (even one whose body is still arriving) finish, and close keep-alive
 * connections as soon as they fall idle. Node's own closeIdleConnections() may
 * cut a request whose body has not fully arrived, so sockets are tracked here.
 */
export function makeDrainable(server: Server): () => Promise<void> {
  const active = new Map<Socket, number>();
  let draining = false;

  server.on('connection', (socket: Socket) => {
    active.set(socket, 0);
    socket.once('close', () => active.delete(socket));
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    active.set(socket, (active.get(socket) ?? 0) + 1);
    if (draining) res.setHeader('Connection', 'close');
    res.once('finish', () => {
      const left = (active.get(socket) ?? 1) - 1;
      active.set(socket, left);
      if (draining && left === 0) socket.end();
    });
  });

  return () =>
    new Promise<void>((resolve) => {
      draining = true;
      server.close(() => resolve());
      for (const [socket, requests] of active) if (requests === 0) socket.end();
    });
}
