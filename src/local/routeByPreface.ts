import type { Socket } from 'node:net';

/** What every HTTP/2 client with prior knowledge sends first (RFC 9113 §3.4). */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * Reads a new connection's first bytes until they either are the HTTP/2 connection preface or cannot be
 * (an HTTP/1.1 request line differs by its second byte), puts them back, and hands the socket on.
 */
export function routeByPreface(socket: Socket, route: (isHttp2: boolean) => void): void {
  let seen = Buffer.alloc(0);
  // A connection reset before its first bytes is nobody's error yet.
  const onError = () => socket.destroy();
  const onData = (chunk: Buffer) => {
    seen = Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, PREFACE.length);
    const isHttp2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (isHttp2 && n < PREFACE.length) return;
    socket.off('data', onData);
    socket.off('error', onError);
    socket.pause();
    socket.unshift(seen);
    route(isHttp2);
    process.nextTick(() => socket.resume());
  };
  socket.on('data', onData);
  socket.on('error', onError);
}
