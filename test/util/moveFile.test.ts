import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileIoError } from '../../src/errors.ts';
import { moveFile, removeStaleMoveTemps } from '../../src/util/moveFile.ts';
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'centos-move-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('moveFile', { timeout: 60_000 }, () => {
  it('renames within one file system and reports the new path', async () => {
    const src = path.join(dir, 'w', 'a.json');
    await mkdir(path.dirname(src), { recursive: true });
    await writeFile(src, 'A');
    const to = await moveFile(src, path.join(dir, 'done'), 'paths.done');
    assert.equal(to, path.join(dir, 'done', 'a.json'));
    assert.equal(await readFile(to, 'utf8'), 'A');
    assert.equal(existsSync(src), false);
  });

  it('a failure names the path and the config key and leaves the source in place', async () => {
    const src = path.join(dir, 'w', 'b.json');
    await writeFile(src, 'B');
    // A regular file where the directory should be.
    await writeFile(path.join(dir, 'notadir'), '');
    await assert.rejects(moveFile(src, path.join(dir, 'notadir'), 'paths.done'), (err: unknown) => {
      assert.ok(err instanceof FileIoError);
      assert.equal(err.key, 'paths.done');
      assert.match(err.message, /notadir.*\(paths\.done\)/);
      return true;
    });
    assert.equal(await readFile(src, 'utf8'), 'B');
  });

  it('removes only the temporaries an interrupted cross-file-system move left', async () => {
    const d = path.join(dir, 'temps');
    await mkdir(d);
    await writeFile(path.join(d, '.a.json.centos-1.tmp'), '');
    await writeFile(path.join(d, 'a.json'), '');
    await writeFile(path.join(d, '.other'), '');
    assert.deepEqual(await removeStaleMoveTemps(d), ['.a.json.centos-1.tmp']);
    assert.deepEqual((await readdir(d)).sort(), ['.other', 'a.json']);
  });
});

describe('moveFile across file systems (tmpfs)', { timeout: 60_000 }, () => {
  let fs: Tmpfs | undefined;
  let full: Tmpfs | undefined;
  before(async () => {
    fs = await mountTmpfs(path.join(dir, 'other'), '4m');
    full = await mountTmpfs(path.join(dir, 'full'), '64k');
  });
  after(async () => {
    await fs?.unmount();
    await full?.unmount();
  });

  it('falls back to copy + fsync + rename + unlink on EXDEV', async (t) => {
    if (!fs) return t.skip('cannot mount tmpfs here');
    const src = path.join(dir, 'w', 'x.json');
    await writeFile(src, 'X'.repeat(100_000));
    const to = await moveFile(src, path.join(fs.dir, 'done'), 'paths.done');
    assert.equal((await readFile(to, 'utf8')).length, 100_000);
    assert.equal(existsSync(src), false);
    assert.deepEqual(await readdir(path.join(fs.dir, 'done')), ['x.json'], 'no temporary left');
  });

  it('a full target keeps the source, leaves no partial copy and says ENOSPC with the path and key', async (t) => {
    if (!full) return t.skip('cannot mount tmpfs here');
    await writeFile(path.join(full.dir, 'filler'), Buffer.alloc(60 * 1024)).catch(() => {});
    const src = path.join(dir, 'w', 'y.json');
    await writeFile(src, 'Y'.repeat(200_000));
    await assert.rejects(moveFile(src, full.dir, 'paths.done'), /ENOSPC.*|no space/);
    await assert.rejects(moveFile(src, full.dir, 'paths.done'), (err: unknown) => err instanceof FileIoError && err.message.includes(`${full!.dir}/y.json (paths.done)`));
    assert.equal((await readFile(src, 'utf8')).length, 200_000);
    assert.deepEqual((await readdir(full.dir)).sort(), ['filler']);
  });
});
