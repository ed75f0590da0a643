import type { ShardInfo } from '../../src/kinesis/KinesisReadPort.ts';
import type { GetRecordsResult, IteratorStart, KinesisReadPort } from '../../src/kinesis/KinesisReadPort.ts';

/** For unit tests only: shards as arrays of JSON records, read through the consumer's Kinesis port. Integration tests use the emulators. */
export interface MemoryKinesis extends KinesisReadPort {
  put(shardId: string, ...values: unknown[]): void;
  /** Closes a shard: once its records are read, the reader sees SHARD_END. */
  close(shardId: string): void;
  /** Makes listShards fail (or work again). */
  failListShards(fail: boolean): void;
}

const FULL_RANGE = { hashStart: '0', hashEnd: (2n ** 128n - 1n).toString() };
/** Sequence numbers of one length, so that string order is stream order. */
const seqOf = (i: number) => String(100_000_000 + i);

export function memoryKinesis(shardIds: readonly string[]): MemoryKinesis {
  const shards = new Map(shardIds.map((id) => [id, { records: [] as Array<{ seq: string; data: Uint8Array }>, closed: false }]));
  let listFails = false;
  const shard = (id: string) => {
    const s = shards.get(id);
    if (!s) throw new Error(`memoryKinesis: no shard ${id}`);
    return s;
  };
  const indexAfter = (id: string, start: IteratorStart): number => {
    const recs = shard(id).records;
    switch (start.type) {
      case 'TRIM_HORIZON':
        return 0;
      case 'LATEST':
        return recs.length;
      case 'AT_SEQUENCE_NUMBER':
        return recs.findIndex((r) => r.seq === start.seq);
      case 'AFTER_SEQUENCE_NUMBER':
        return recs.findIndex((r) => r.seq === start.seq) + 1;
      default:
        throw new Error(`memoryKinesis: ${start.type} is not supported`);
    }
  };
  const port: MemoryKinesis = {
    put(shardId, ...values) {
      const recs = shard(shardId).records;
      for (const v of values) recs.push({ seq: seqOf(recs.length), data: Buffer.from(JSON.stringify(v)) });
    },
    close(shardId) {
      shard(shardId).closed = true;
    },
    failListShards(fail) {
      listFails = fail;
    },
    async describeStream() {
      return { arn: 'arn:memory:stream', createdMs: 0 };
    },
    async listShards(): Promise<ShardInfo[]> {
      if (listFails) throw Object.assign(new Error('LimitExceededException (memoryKinesis fault)'), { name: 'LimitExceededException' });
      return [...shards.keys()].map((shardId) => ({ shardId, parentIds: [], ...FULL_RANGE }));
    },
    async getShardIterator(shardId, start) {
      return `${shardId}|${indexAfter(shardId, start)}`;
    },
    async getRecords(iterator, limit): Promise<GetRecordsResult> {
      const [id, at] = iterator.split('|') as [string, string];
      const s = shard(id);
      const from = Number(at);
      const got = s.records.slice(from, from + limit);
      const next = from + got.length;
      return {
        records: got.map((r) => ({ sequenceNumber: r.seq, partitionKey: 'k', data: r.data, arrivalMs: 0 })),
        nextIterator: s.closed && next >= s.records.length ? undefined : `${id}|${next}`,
        millisBehindLatest: 0,
      };
    },
  };
  return port;
}
