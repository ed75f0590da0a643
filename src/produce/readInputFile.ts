import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';

/** The file the producer read: what it must still be when its events are all acknowledged. */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  sha256: string;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * Reads a whole input file through one descriptor and returns it with its identity, or
 * 'changing' when it grew, shrank or was modified while it was being read.
 */
export async function readInputFile(file: string): Promise<{ text: string; identity: FileIdentity } | 'changing'> {
  const got = await readIdentified(file);
  return got === 'changing' ? got : { text: got.bytes.toString('utf8'), identity: got.identity };
}

async function readIdentified(file: string): Promise<{ bytes: Buffer; identity: FileIdentity } | 'changing'> {
  const fh = await open(file, 'r');
  try {
    const before = await fh.stat();
    const bytes = await fh.readFile();
    const after = await fh.stat();
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || bytes.length !== after.size) return 'changing';
    return { bytes, identity: { dev: after.dev, ino: after.ino, size: after.size, mtimeMs: after.mtimeMs, sha256: sha256(bytes) } };
  } finally {
    await fh.close();
  }
}

/** Is `file` still exactly the file that was read: same inode, size, mtime and content? */
export async function stillSameFile(file: string, identity: FileIdentity): Promise<boolean> {
  let st;
  try {
    st = await stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if (st.dev !== identity.dev || st.ino !== identity.ino || st.size !== identity.size || st.mtimeMs !== identity.mtimeMs) return false;
  // Only the identity is compared: the bytes are never decoded.
  const again = await readIdentified(file);
  return again !== 'changing' && again.identity.sha256 === identity.sha256;
}
