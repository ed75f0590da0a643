// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSnapshot, unreachableSnapshot } from '../../src/serve/buildSnapshot.ts';
import { checkHealth } from '../../src/serve/checkHealth.ts';

describe('buildSnapshot and checkHealth', () => {
  const pipeline = { at: '', shards: [], workers: [] };
  it('live counters win over the roll-up totals; the rest comes from the roll-up', () => {
    const s = buildSnapshot({
      now: 1_000,
      rollups: { summary: { events: 5, users: 3, duplicatesDropped: 1, outOfOrder: 0, deadLetters: 0, eventsPerSecond: 0.5 } },
      computedAt: 900,
      counters: { events_applied: 9, duplicates_dropped: 2 },
      pipeline,
    });
    assert.deepEqual(s.summary, { events: 9, users: 3, duplicatesDropped: 2, outOfOrder: 0, deadLetters: 0, eventsPerSecond: 0.5 });
    assert.equal(s.hasData, true);
    assert.equal(s.computedAt, 900);
  });
  it('an empty database is "no data yet"', () => {
    const s = buildSnapshot({ now: 1_000, rollups: {}, computedAt: undefined, counters: {}, pipeline });
    assert.equal(s.hasData, false);
    assert.deepEqual(s.latest, []);
    assert.deepEqual(s.activity, { minutes: [], series: {}, totals: {} });
  });
  it('unreachable keeps the last good data and flags it', () => {
    const good = buildSnapshot({ now: 1_000, rollups: {}, computedAt: 500, counters: { events_applied: 4 }, pipeline });
    const s = unreachableSnapshot(2_000, 'ECONNREFUSED', good);
    assert.deepEqual(s.db, { ok: false, error: 'ECONNREFUSED' });
    assert.equal(s.summary.events, 4);
  });
  const cases: Array<[string, { db: boolean; computedAt: number | null }, boolean, RegExp | undefined]> = [
    ['fresh', { db: true, computedAt: 95_000 }, true, undefined],
    ['stale scheduler', { db: true, computedAt: 10_000 }, false, /roll-ups are 90 s old/],
    ['no roll-ups yet', { db: true, computedAt: null }, false, /no roll-ups computed yet/],
    ['db down', { db: false, computedAt: 95_000 }, false, /database unreachable/],
  ];
  for (const [name, c, ok, reason] of cases) {
    it(`health: ${name}`, () => {
      const s = buildSnapshot({ now: 100_000, rollups: {}, computedAt: c.computedAt ?? undefined, counters: {}, pipeline });
      const h = checkHealth(c.db ? s : unreachableSnapshot(100_000, 'down', s), 100_000, 30_000);
      assert.equal(h.ok, ok);
      if (reason) assert.match(h.reasons.join('\n'), reason);
    });
  }
});
