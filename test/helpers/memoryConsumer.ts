import type { CoordinatorOptions } from '../../src/coordinator/CoordinatorOptions.ts';
import type { ConsumedRecord } from '../../src/kinesis/deaggregate.ts';
import type { LeaseRepository } from '../../src/coordinator/LeaseRepository.ts';
import type { ManualClock } from '../../src/coordinator/ManualClock.ts';
import { runConsumer, type ConsumerHandle } from '../../src/coordinator/runConsumer.ts';
import type { ProcessorFactory, ShardProcessor } from '../../src/coordinator/ShardProcessor.ts';
import { fastCoordinator, silentLog } from './consumerHarness.ts';
import type { MemoryKinesis } from './memoryKinesis.ts';

/** What a unit-test processor saw, committed: one entry per record, in commit order. */
export type Committed = Array<{ shardId: string; seq: string; value: unknown; workerId: string }>;

/** A processor that commits each batch and, inside the fenced commit, appends its records to `into`. */
export function memoryRecorder(into: Committed, hooks: { beforeCommit?: (records: ConsumedRecord[]) => Promise<void> } = {}): ProcessorFactory<void> {
  return (ctx): ShardProcessor => ({
    async processBatch(records) {
      await hooks.beforeCommit?.(records);
      await ctx.commit(records[records.length - 1]!, async () => {
        for (const r of records) into.push({ shardId: r.shardId, seq: r.seq, value: JSON.parse(r.data.toString()) as unknown, workerId: ctx.workerId });
      });
    },
  });
}

export function startMemoryWorker(o: { kinesis: MemoryKinesis; leases: LeaseRepository<void>; clock: ManualClock; processor: ProcessorFactory<void>; workerId: string; options?: Partial<CoordinatorOptions> }): ConsumerHandle {
  return runConsumer({
    app: 'unit-app',
    processor: o.processor,
    options: { ...fastCoordinator, ...o.options },
    initialPosition: { type: 'TRIM_HORIZON' },
    deps: { leases: o.leases, kinesis: o.kinesis, log: silentLog, clock: o.clock },
    workerId: o.workerId,
  });
}
