// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileSettled, type Sighting } from '../../src/produce/fileSettled.ts';

const QUIET = 1000;
const st = (size: number, mtimeMs: number, ino = 7) => ({ size, mtimeMs, ino });
const seen = (size: number, mtimeMs: number, since: number, ino = 7): Sighting => ({ size, mtimeMs, ino, since });

describe('fileSettled', () => {
  const cases: Array<[string, Sighting | undefined, ReturnType<typeof st>, number, boolean, number | undefined, number]> = [
    // name, previous sighting, stat now, now, settled?, recheckAt, sighting.since
    ['renamed in long after it was written: read at once', undefined, st(100, 1_000), 60_000, true, undefined, 60_000],
    ['written just now, first seen: wait out the quiet period from its mtime', undefined, st(100, 59_800), 60_000, false, 60_800, 60_000],
    ['unchanged since the last look, mtime quiet long enough', seen(100, 59_800, 60_000), st(100, 59_800), 60_800, true, undefined, 60_000],
    ['grew since the last look: the quiet period starts again', seen(100, 59_800, 60_000), st(200, 60_500), 60_800, false, 61_500, 60_800],
    ['same size but a new mtime (rewritten in place)', seen(100, 59_800, 60_000), st(100, 60_700), 60_800, false, 61_700, 60_800],
    ['same size and mtime but another inode (replaced)', seen(100, 59_800, 60_000), st(100, 59_800, 8), 60_100, false, 60_800, 60_100],
    ['mtime in the future (writer clock ahead): settles by sighting', seen(100, 90_000, 60_000), st(100, 90_000), 61_000, true, undefined, 60_000],
    ['mtime in the future, not seen long enough yet', seen(100, 90_000, 60_000), st(100, 90_000), 60_500, false, 61_000, 60_000],
    ['a quiet period of 0 reads at once', undefined, st(1, 60_000), 60_000, true, undefined, 60_000],
  ];
  for (const [name, prev, now, at, settled, recheckAt, since] of cases) {
    it(name, () => {
      const v = fileSettled(prev, now, at, name.includes('of 0') ? 0 : QUIET);
      assert.equal(v.settled, settled);
      assert.equal(v.settled ? undefined : v.recheckAt, recheckAt);
      assert.equal(v.sighting.since, since);
    });
  }
});
