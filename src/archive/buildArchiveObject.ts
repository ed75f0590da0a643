import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import type { Compression } from './archiveKey.ts';

/** gzip header byte 9: the OS. Fixed, so the bytes do not depend on where the object was written. */
const OS_UNKNOWN = 255;
const gzipAsync = promisify(gzip);

export interface ArchiveBody {
  body: Buffer;
  /** Uncompressed JSON Lines bytes. */
  rawBytes: number;
  sha256: string;
}

/**
 * JSON Lines → object bytes. Deterministic: Node's gzip writes no file name and mtime 0, and
 * the OS byte is pinned, so the same lines (at the same level) always give the same bytes (and the same checksum).
 * gzip runs on libuv's thread pool, so the other shards' records are encoded meanwhile.
 */
export async function buildArchiveBody(lines: readonly string[], compression: Compression, gzipLevel = 6): Promise<ArchiveBody> {
  const text = Buffer.from(lines.join('\n') + '\n', 'utf8');
  let body = text;
  if (compression === 'gzip') {
    body = await gzipAsync(text, { level: gzipLevel });
    body[9] = OS_UNKNOWN;
  }
  return { body, rawBytes: text.byteLength, sha256: createHash('sha256').update(body).digest('hex') };
}

/** Object bytes → JSON lines. */
export function readArchiveBody(body: Buffer, compression: Compression): string[] {
  const text = (compression === 'gzip' ? gunzipSync(body) : body).toString('utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
