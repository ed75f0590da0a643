import { createHash } from 'node:crypto';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import type { Compression } from './archiveKey.ts';

/** gzip header byte 9: the OS. Fixed, so the bytes do not depend on where the object was written. */
const OS_UNKNOWN = 255;

export interface ArchiveBody {
  body: Buffer;
  /** Uncompressed JSON Lines bytes. */
  rawBytes: number;
  sha256: string;
}

/**
 * JSON Lines → object bytes. Deterministic: Node's gzip writes no file name and mtime 0, and
 * the OS byte is pinned, so the same lines always give the same bytes (and the same checksum).
 */
export function buildArchiveBody(lines: readonly string[], compression: Compression): ArchiveBody {
  const text = Buffer.from(lines.join('\n') + '\n', 'utf8');
  let body = text;
  if (compression === 'gzip') {
    body = gzipSync(text, { level: constants.Z_DEFAULT_COMPRESSION });
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
