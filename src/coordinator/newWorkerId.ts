import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** A worker id unique across hosts and restarts: host, pid and a random suffix. */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}
