// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyPutResult } from '../../src/produce/classifyPutResult.ts';

describe('PutRecords result classification', () => {
  // A parent 0..99 split into 0..49 and 50..99: an aggregate routed by the parent's starting hash key lands on the lower child.
  const ranges = new Map([
    ['parent', { start: 0n, end: 99n }],
    ['low', { start: 0n, end: 49n }],
    ['high', { start: 50n, end: 99n }],
    ['s1', { start: 0n, end: 99n }],
  ]);
  const ok = (shardId: string) => ({ shardId, sequenceNumber: '1' });
  const cases: Array<{ name: string; sent: Array<[string | undefined, bigint[]]>; results: Parameters<typeof classifyPutResult>[1]; want: Partial<ReturnType<typeof classifyPutResult>> }> = [
    {
      name: 'all acknowledged on the predicted shards',
      sent: [['low', [1n, 49n]]],
      results: [ok('low')],
      want: { acked: [0], misplaced: [], unknownShard: [], failed: [], throttled: 0, staleMap: false },
    },
    {
      name: 'failed and throttled records are retried, not acknowledged',
      sent: [['s1', [1n]], ['s1', [2n]], [undefined, [3n]]],
      results: [ok('s1'), { errorCode: 'ProvisionedThroughputExceededException' }, { errorCode: 'InternalFailure' }],
      want: { acked: [0], failed: [{ index: 1, errorCode: 'ProvisionedThroughputExceededException' }, { index: 2, errorCode: 'InternalFailure' }], throttled: 1, staleMap: false },
    },
    {
      name: 'an aggregate built for the parent lands on the lower child: user records of the upper half are misplaced',
      sent: [['parent', [10n, 60n, 49n, 99n, 50n]]],
      results: [ok('low')],
      want: { acked: [], misplaced: [{ index: 0, users: [1, 3, 4] }], staleMap: true },
    },
    {
      name: 'landing elsewhere with every user record in range is acknowledged (but the map is stale)',
      sent: [['parent', [60n, 70n]]],
      results: [ok('high')],
      want: { acked: [0], misplaced: [], staleMap: true },
    },
    {
      name: 'a shard the map does not know is judged later',
      sent: [['low', [1n]], ['low', [2n]]],
      results: [ok('brand-new'), ok('low')],
      want: { acked: [1], unknownShard: [0], staleMap: true },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const o = classifyPutResult(
        c.sent.map(([shardId, userHashes]) => ({ shardId, userHashes })),
        c.results,
        ranges,
      );
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(o[k as keyof typeof o], v, k);
    });
  }
});
