// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paceRead, type LastRead, type PaceDecision, type ReadPacing } from '../../src/kinesis/paceRead.ts';

const MiB = 1024 * 1024;
const base: ReadPacing = { intervalMs: 1000, share: 0.5, shardCallsPerSec: 5, shardBytesPerSec: 2 * MiB, maxBytesPerFetch: 4 * MiB, idleMs: 200, idleMaxMs: 4000 };
const read: LastRead = { budgetBytes: 4 * MiB, records: true, millisBehindLatest: 0, idleStreak: 0, throttledStreak: 0 };

describe('read pacing', () => {
  const cases: Array<{ name: string; p?: Partial<ReadPacing>; last?: Partial<LastRead>; want: Pick<PaceDecision, 'waitMs' | 'why' | 'targetBytes'> }> = [
    { name: 'budget to spare: the interval', want: { waitMs: 1000, why: 'interval', targetBytes: MiB } },
    { name: 'the interval never drops below 200 ms (5 calls/s, 5% to spare)', p: { intervalMs: 50, share: 1 }, want: { waitMs: 210, why: 'interval', targetBytes: 0.42 * MiB } },
    { name: 'a share of the calls in whole calls: half of 5 calls/s is 2 calls/s', p: { intervalMs: 200, share: 0.5 }, want: { waitMs: 525, why: 'interval', targetBytes: 0.525 * MiB } },
    { name: 'a third of the calls: 1 call/s', p: { intervalMs: 200, share: 1 / 3 }, want: { waitMs: 1050, why: 'interval', targetBytes: ((2 * MiB) / 3) * 1.05 } },
    { name: 'a fifth of the calls: 1 call/s', p: { intervalMs: 200, share: 0.2 }, want: { waitMs: 1050, why: 'interval', targetBytes: 0.4 * MiB * 1.05 } },
    { name: 'overdrawn by a large response: wait until an interval\'s worth has accrued again', last: { budgetBytes: -2 * MiB }, want: { waitMs: 3000, why: 'bytes', targetBytes: MiB } },
    { name: 'an empty budget refills in one interval', last: { budgetBytes: 0 }, want: { waitMs: 1000, why: 'interval', targetBytes: MiB } },
    { name: 'the whole shard to one application: 2 MiB a second', p: { share: 1 }, last: { budgetBytes: 0 }, want: { waitMs: 1000, why: 'interval', targetBytes: 2 * MiB } },
    { name: 'the response size is capped for memory', p: { share: 1, maxBytesPerFetch: MiB }, last: { budgetBytes: 0 }, want: { waitMs: 1000, why: 'interval', targetBytes: MiB } },
    { name: 'behind the tip an empty response keeps the interval', last: { records: false, millisBehindLatest: 5000, idleStreak: 0 }, want: { waitMs: 1000, why: 'interval', targetBytes: MiB } },
    { name: 'at the tip the wait grows past the interval, doubling', p: { intervalMs: 200, share: 1 }, last: { records: false, idleStreak: 3 }, want: { waitMs: 800, why: 'idle', targetBytes: 0.42 * MiB } },
    { name: 'at the tip the wait is capped', last: { records: false, idleStreak: 12 }, want: { waitMs: 4000, why: 'idle', targetBytes: MiB } },
    { name: 'at the tip, short idle waits are still at least the interval', last: { records: false, idleStreak: 1 }, want: { waitMs: 1000, why: 'interval', targetBytes: MiB } },
    { name: 'throttled once: twice the interval (no jitter drawn)', last: { throttledStreak: 1 }, want: { waitMs: 2000, why: 'throttled', targetBytes: MiB } },
    { name: 'throttled again: doubling, capped at 10 s', last: { throttledStreak: 6 }, want: { waitMs: 10_000, why: 'throttled', targetBytes: MiB } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = paceRead({ ...base, ...c.p }, { ...read, ...c.last }, () => 0);
      assert.deepEqual({ waitMs: d.waitMs, why: d.why, targetBytes: d.targetBytes }, { ...c.want, targetBytes: Math.floor(c.want.targetBytes) });
    });
  }

  it('a throttled wait is jittered but never below the interval', () => {
    for (const r of [0, 0.5, 0.999]) {
      const d = paceRead(base, { ...read, throttledStreak: 1 }, () => r);
      assert.ok(d.waitMs >= 1000 && d.waitMs <= 2000, `${r}: ${d.waitMs}`);
    }
  });

  it('N applications with shares summing to 1 stay within 5 calls/s and 2 MiB/s per shard, reading as fast as pacing allows', () => {
    for (const shares of [[1], [0.5, 0.5], [0.5, 0.25, 0.25], [1 / 3, 1 / 3, 1 / 3]]) {
      let callsPerSec = 0;
      let bytesPerSec = 0;
      for (const share of shares) {
        const p = { ...base, intervalMs: 200, share };
        let calls = 0;
        let bytes = 0;
        let t = 0;
        // Always behind, every response as large as the budget allows; timers firing up to 30 ms late.
        for (let last = { ...read, budgetBytes: 0 }, i = 0; t < 60_000; i++) {
          const d = paceRead(p, last, () => 0.5);
          const gap = d.waitMs + (i % 4) * 10;
          t += gap;
          const budget = Math.min(d.capBytes, last.budgetBytes + d.bytesPerMs * gap);
          const got = Math.min(p.maxBytesPerFetch, budget);
          calls++;
          bytes += got;
          last = { ...read, budgetBytes: budget - got, millisBehindLatest: 1000 };
        }
        callsPerSec += (calls * 1000) / t;
        bytesPerSec += (bytes * 1000) / t;
      }
      assert.ok(callsPerSec <= 5, `${shares}: ${callsPerSec} calls/s`);
      assert.ok(bytesPerSec <= 2 * MiB * 1.001, `${shares}: ${bytesPerSec} B/s`);
      assert.ok(bytesPerSec >= 2 * MiB * 0.95, `${shares}: the shard is used (${bytesPerSec} B/s)`);
      // In whole calls, no 1-second window holds more than the limit, however the applications' calls align.
      const perWindow = shares.reduce((n, share) => n + Math.ceil(1000 / paceRead({ ...base, intervalMs: 200, share }, read).waitMs), 0);
      assert.ok(perWindow <= 5, `${shares}: up to ${perWindow} calls in one second`);
    }
  });
});
