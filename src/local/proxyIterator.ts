/** What the faithful proxy knows about a shard iterator it handed out. */
export interface ProxyIterator {
  /** When the proxy issued it (the proxy's clock, ms). */
  issuedAt: number;
  stream: string;
  shardId: string;
  /** The emulator's own iterator. */
  upstream: string;
}

const PREFIX = 'cfi1';
const SEP = '~';

/**
 * Iterators stay opaque strings to clients, as on AWS; the proxy's wrapping carries the issue
 * time and the shard, so GetRecords can be attributed to its shard and expired without a table.
 * `~` occurs neither in stream names, shard ids nor base64.
 */
export function wrapIterator(it: ProxyIterator): string {
  return [PREFIX, it.issuedAt.toString(36), it.stream, it.shardId, it.upstream].join(SEP);
}

/** The parts of a wrapped iterator, or undefined for a string the proxy did not issue. */
export function unwrapIterator(token: string): ProxyIterator | undefined {
  const parts = token.split(SEP);
  if (parts.length !== 5 || parts[0] !== PREFIX) return undefined;
  const [, at, stream, shardId, upstream] = parts as [string, string, string, string, string];
  const issuedAt = parseInt(at, 36);
  if (!/^[0-9a-z]+$/.test(at) || !Number.isSafeInteger(issuedAt) || !stream || !shardId || !upstream) return undefined;
  return { issuedAt, stream, shardId, upstream };
}

/** AWS: an iterator expires five minutes after it was returned. */
export function iteratorExpired(issuedAt: number, now: number, ttlMs: number): boolean {
  return now - issuedAt > ttlMs;
}
