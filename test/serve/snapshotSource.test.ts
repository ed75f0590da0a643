// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DashboardSnapshot } from '../../src/serve/buildSnapshot.ts';
import { snapshotSource, STALE_FACTOR } from '../../src/serve/snapshotSource.ts';
import { createLogger } from '../../src/log/createLogger.ts';

const log = createLogger({ level: 'silent', pretty: false });

describe('snapshotSource', () => {
  it('shares one read, serves the previous snapshot while refreshing, and waits once it is too old', async () => {
    let clock = 0;
    let reads = 0;
    let release: (() => void) | undefined;
    const src = snapshotSource({
      now: () => clock,
      log,
      read: async (now) => {
        reads++;
        await new Promise<void>((r) => (release = r));
        return { at: now } as unknown as DashboardSnapshot;
      },
    });
    const a = src.current(1000);
    const b = src.current(1000);
    release!();
    assert.equal(await a, await b, 'concurrent callers share one read');
    assert.equal(reads, 1);

    clock = 1500; // stale, but within STALE_FACTOR × maxAge: answered at once from the cache
    const stale = await src.current(1000);
    assert.equal((stale as unknown as { at: number }).at, 0);
    assert.equal(reads, 2, 'a refresh started behind it');
    release!();
    await new Promise((r) => setImmediate(r));
    assert.equal((await src.current(1000) as unknown as { at: number }).at, 1500, 'the refreshed snapshot is served next');

    clock = 1500 + 1000 * STALE_FACTOR + 1; // too old to show: the caller waits for the read
    let settled = false;
    const waiting = src.current(1000).then((s) => ((settled = true), s));
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false);
    release!();
    assert.equal(((await waiting) as unknown as { at: number }).at, clock);
  });
});
