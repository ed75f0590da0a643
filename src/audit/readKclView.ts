import type { ConsumedRecord } from '../kinesis/deaggregate.ts';
import type { ShardInfo } from '../kinesis/KinesisReadPort.ts';
import { ShardReader, type ReadCounters, type ReaderOptions } from '../kinesis/ShardReader.ts';
import type { KinesisReadPort } from '../kinesis/KinesisReadPort.ts';
import type { Logger } from '../log/createLogger.ts';
import { policies, retry } from '../util/retry.ts';

export interface KclView {
  shards: ShardInfo[];
  /** Each shard's user records from TRIM_HORIZON to the tip (or SHARD_END), sub-records outside its range dropped. */
  records: Map<string, ConsumedRecord[]>;
}

/**
 * Reads the whole stream as a KCL application would: every shard from TRIM_HORIZON, paced and
 * retried by the consumers' own ShardReader (so `audit --stream` takes its share of the read
 * limits and rides out throttling), sub-records outside a shard's hash range dropped and counted.
 */
export async function readKclView(o: { kinesis: KinesisReadPort; options: ReaderOptions; counters: ReadCounters; log: Logger; signal?: AbortSignal }): Promise<KclView> {
  const signal = o.signal ?? new AbortController().signal;
  const shards = await retry(() => o.kinesis.listShards(), { ...policies.kinesisControlOnce, signal });
  const records = new Map<string, ConsumedRecord[]>();
  await Promise.all(
    shards.map(async (s) => {
      const out: ConsumedRecord[] = [];
      records.set(s.shardId, out);
      const reader = new ShardReader({
        kinesis: o.kinesis,
        shardId: s.shardId,
        range: s.hashStart && s.hashEnd ? { start: BigInt(s.hashStart), end: BigInt(s.hashEnd) } : undefined,
        from: undefined,
        initial: { type: 'TRIM_HORIZON' },
        options: o.options,
        counters: o.counters,
        log: o.log,
        signal,
        shardGone: async () => !(await o.kinesis.listShards()).some((x) => x.shardId === s.shardId),
      });
      for (;;) {
        const b = await reader.next();
        out.push(...b.records);
        if (b.end || signal.aborted || (b.records.length === 0 && (b.millisBehindLatest ?? 0) === 0)) break;
      }
    }),
  );
  return { shards, records };
}
