import { createHash } from 'node:crypto';
import path from 'node:path';

/**
 * A name-based UUID (RFC 4122 version 5 layout) from the file's name and the record's position,
 * so re-sending a file never mints new identities. Only the base name counts: the file keeps
 * its identity while it moves from the watch directory to done.
 */
export function deterministicEventId(file: string, position: number): string {
  const h = createHash('sha1').update(`centos:${path.basename(file)}#${position}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
