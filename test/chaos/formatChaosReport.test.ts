// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatChaosReport } from '../../tools/chaos/formatChaosReport.ts';

describe('chaos report', () => {
  it('fits one screen and names every figure', () => {
    const lines = formatChaosReport({
      ok: true,
      seconds: 95.2,
      events: { records: 100_000, distinct: 90_000, files: 100 },
      duplicates: { inInput: 10_000, absorbed: 10_350 },
      kills: [
        ...Array.from({ length: 20 }, (_, i) => ({ atMs: 3_000 * (i + 1), process: i % 2 ? 'dashboard-1' : 'archive-1', pid: 100 + i, shards: i % 5 ? 2 : 0, recoveryMs: 5_500 + i * 10 })),
        { atMs: 20_000, process: 'produce', pid: 9, shards: 0, recoveryMs: undefined },
      ],
      reshards: [{ atMs: 30_000, what: 'split shardId-000000000000' }, { atMs: 50_000, what: 'merge 2+3' }],
      dbRestarts: [{ atMs: 70_000, downMs: 3_400 }],
      maxLagMs: 12_345,
      audit: ['dashboard ok', 'archive ok', 'OK: every event exactly once, in order.'],
    });
    assert.ok(lines.length <= 24, `${lines.length} lines`);
    assert.ok(lines.every((l) => l.length <= 160));
    const text = lines.join('\n');
    for (const s of ['100000 records', '90000 distinct', '10350 absorbed', '21 × kill -9', 'produce 1', 'reshards   2', '1 restart', 'max lag    12.3 s', 'median 5.', 'CLEAN']) assert.ok(text.includes(s), s);
  });
});
