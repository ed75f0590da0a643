import type { KinesisReadPort } from '../kinesis/KinesisReadPort.ts';
import { deaggregate } from '../coordinator/deaggregate.ts';

/** Every user record's position (`shard/seq/sub`) in the stream now, read from TRIM_HORIZON to the tip. */
export async function readStreamPositions(kinesis: KinesisReadPort): Promise<Set<string>> {
  const out = new Set<string>();
  for (const shard of await kinesis.listShards()) {
    let it: string | undefined = await kinesis.getShardIterator(shard.shardId, { type: 'TRIM_HORIZON' });
    while (it) {
      const r = await kinesis.getRecords(it, 1000);
      for (const rec of deaggregate(shard.shardId, r.records, undefined).records) out.add(`${rec.shardId}/${rec.seq}/${rec.sub}`);
      it = r.nextIterator;
      if (r.records.length === 0 && (r.millisBehindLatest ?? 0) === 0) break;
    }
  }
  return out;
}
