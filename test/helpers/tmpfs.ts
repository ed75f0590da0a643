import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Tmpfs {
  dir: string;
  unmount(): Promise<void>;
}

/**
 * Mounts a tmpfs of `size` (e.g. '64k') on `dir`: another file system (EXDEV for a rename into
 * it) that is easy to fill (ENOSPC). Undefined where mounting is not permitted (not root); with
 * CI=true that is an error, so the tests that need it cannot skip there.
 */
export async function mountTmpfs(dir: string, size: string): Promise<Tmpfs | undefined> {
  await mkdir(dir, { recursive: true });
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  } catch (err) {
    if (process.env.CI === 'true') throw new Error(`cannot mount a tmpfs on ${dir} (needed for the EXDEV/ENOSPC tests): ${(err as Error).message}`);
    process.stderr.write(`# SKIPPING tmpfs tests: cannot mount (${(err as Error).message.trim()})\n`);
    return undefined;
  }
  return {
    dir,
    async unmount() {
      await run('umount', ['-l', dir]).catch(() => {});
    },
  };
}
