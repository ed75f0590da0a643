import { constants } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { FileIoError } from '../errors.ts';

const TEMP = /^\..+\.centos-\d+\.tmp$/;

async function fsyncPath(p: string, flags: number = constants.O_RDONLY): Promise<void> {
  const fh = await open(p, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Moves `src` into `dir` (the directory of config key `key`) under its own name, durably: the
 * rename is followed by an fsync of both directories. Across file systems (EXDEV) it copies to a
 * hidden temporary name in `dir`, fsyncs the copy, renames it into place, fsyncs `dir`, and only
 * then unlinks `src` — a crash at any point leaves the source in place. Any failure throws a
 * FileIoError and leaves `src` where it was. Returns the new path.
 */
export async function moveFile(src: string, dir: string, key: string): Promise<string> {
  const dst = path.join(dir, path.basename(src));
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new FileIoError(key, dir, 'create the directory', err);
  }
  try {
    await rename(src, dst);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw new FileIoError(key, dst, `move ${src} to`, err);
    await copyAcross(src, dst, key);
    return dst;
  }
  try {
    await fsyncPath(dir);
    await fsyncPath(path.dirname(src));
  } catch (err) {
    throw new FileIoError(key, dir, 'fsync', err);
  }
  return dst;
}

async function copyAcross(src: string, dst: string, key: string): Promise<void> {
  const dir = path.dirname(dst);
  const tmp = path.join(dir, `.${path.basename(dst)}.centos-${process.pid}.tmp`);
  try {
    await copyFile(src, tmp);
    await fsyncPath(tmp, constants.O_RDWR);
    await rename(tmp, dst);
    await fsyncPath(dir);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw new FileIoError(key, dst, `copy ${src} (another file system) to`, err);
  }
  try {
    await unlink(src);
    await fsyncPath(path.dirname(src));
  } catch (err) {
    throw new FileIoError(key, src, 'remove the source after copying it to ' + dir + ' (it is there now; this one will be sent again)', err);
  }
}

/** Removes the hidden temporaries a crash in the middle of a cross-file-system move left in `dir`. */
export async function removeStaleMoveTemps(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const n of names) {
    if (!TEMP.test(n) || n.includes(`.centos-${process.pid}.`)) continue;
    await unlink(path.join(dir, n)).then(
      () => removed.push(n),
      () => {},
    );
  }
  return removed;
}
