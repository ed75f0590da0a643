import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tieSockets } from '../../tools/chaos/forwardPort.ts';

export interface TcpProxy {
  port: number;
  /** Drops every open connection and refuses new ones until `resume()`. */
  cut(): void;
  resume(): void;
  /**
   * A partition without FIN or RST: nothing more is forwarded either way, on open or new
   * connections, and nothing is closed (a server that closes its side is not told to the client).
   */
  blackhole(): void;
  /** Blackholes everything once a client sends a MySQL query that `match`es; that query still reaches the server. Resolves then. */
  blackholeAfterQuery(match: (sql: string) => boolean): Promise<void>;
  /**
   * The next MySQL query that `match`es reaches the server, but nothing the server sends on that
   * connection afterwards reaches the client (its reply is lost). Resolves once the query went through.
   */
  swallowReplyTo(match: (sql: string) => boolean): Promise<void>;
  close(): Promise<void>;
}

interface Trap {
  match: (sql: string) => boolean;
  then: 'blackhole' | 'swallow';
  fired: () => void;
}

const COM_QUERY = 0x03;

/** Splits a client→server byte stream into MySQL packets (3-byte length, sequence id, payload). */
function takePackets(buffer: Buffer): { packets: Buffer[]; rest: Buffer } {
  const packets: Buffer[] = [];
  let at = 0;
  while (buffer.length - at >= 4) {
    const len = buffer.readUIntLE(at, 3);
    if (buffer.length - at < 4 + len) break;
    packets.push(buffer.subarray(at, at + 4 + len));
    at += 4 + len;
  }
  return { packets, rest: buffer.subarray(at) };
}

function queryText(packet: Buffer): string | undefined {
  return packet.length > 5 && packet[4] === COM_QUERY ? packet.subarray(5).toString('utf8') : undefined;
}

/** A loopback TCP proxy whose link can be cut or blackholed, to simulate a database going away or a host partitioned from it. */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let down = false;
  let holed = false;
  const traps: Trap[] = [];

  const server = net.createServer((client) => {
    if (down) return client.destroy();
    const upstream = net.connect(targetPort, targetHost);
    let swallowed = false;
    let pending: Buffer = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      if (holed) return;
      if (traps.length === 0) {
        upstream.write(chunk);
        return;
      }
      const { packets, rest } = takePackets(Buffer.concat([pending, chunk]));
      pending = rest;
      for (const packet of packets) {
        if (holed) return;
        upstream.write(packet);
        const sql = queryText(packet);
        const trap = sql === undefined ? undefined : traps.find((t) => t.match(sql));
        if (!trap) continue;
        traps.splice(traps.indexOf(trap), 1);
        if (trap.then === 'blackhole') holed = true;
        else swallowed = true;
        trap.fired();
      }
      if (traps.length === 0 && pending.length > 0 && !holed) {
        upstream.write(pending);
        pending = Buffer.alloc(0);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!holed && !swallowed) client.write(chunk);
    });
    // In a partition, neither side learns that the other went away.
    tieSockets(client, upstream, sockets, () => holed);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const trap = (match: (sql: string) => boolean, then: Trap['then']) => new Promise<void>((fired) => traps.push({ match, then, fired }));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    resume() {
      down = false;
    },
    blackhole() {
      holed = true;
    },
    blackholeAfterQuery: (match) => trap(match, 'blackhole'),
    swallowReplyTo: (match) => trap(match, 'swallow'),
    close: () =>
      new Promise((r) => {
        holed = false;
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
