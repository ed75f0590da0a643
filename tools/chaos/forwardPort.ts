import net from 'node:net';

export interface PortForward {
  close(): Promise<void>;
}

/**
 * Tracks both ends of a relayed connection in `sockets`; when either ends or fails, both are
 * destroyed — unless `keepOpen()` says the relay is pretending a partition (nobody learns of the end).
 */
export function tieSockets(client: net.Socket, upstream: net.Socket, sockets: Set<net.Socket>, keepOpen: () => boolean = () => false): void {
  sockets.add(client).add(upstream);
  const end = () => {
    if (keepOpen()) return;
    client.destroy();
    upstream.destroy();
    sockets.delete(client);
    sockets.delete(upstream);
  };
  client.on('error', end).on('close', end);
  upstream.on('error', end).on('close', end);
}

/**
 * Listens on `listenHost:port` and relays each connection to `targetHost:port`: makes a service
 * bound to loopback reachable from a host namespace's link. A connection ends when either side does.
 */
export async function forwardPort(listenHost: string, port: number, targetHost = '127.0.0.1'): Promise<PortForward> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, targetHost);
    tieSockets(client, upstream, sockets);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, listenHost, () => resolve()));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
