import assert from 'node:assert/strict';
import { PutRecordCommand, SplitShardCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { describe, it } from 'node:test';
import { configSchema, type Config } from '../../../src/config/configSchema.ts';
import type { ConsumedRecord } from '../../../src/kinesis/deaggregate.ts';
import { createReadCounters } from '../../../src/kinesis/ShardReader.ts';
import { createEfoSource, type EfoSource } from '../../../src/kinesis/efo/createEfoSource.ts';
import { createRecordSource, type RecordSource } from '../../../src/kinesis/efo/createRecordSource.ts';
import { startLimitProxy } from '../../../src/local/startLimitProxy.ts';
import { ensureStream } from '../../../src/setup/ensureStream.ts';
import { silentLog } from '../../helpers/consumerHarness.ts';
import { faithfulHarness } from '../../helpers/faithfulHarness.ts';
import { waitFor } from '../../helpers/waitFor.ts';

const TIMEOUT = 120_000;
const SHARD = 'shardId-000000000000';

/**
 * The EFO reader against the faithful local Kinesis (src/local/enhancedFanOut.ts), which does what
 * kinesis-mock does not: it ends every subscription after `subscriptionMs` (AWS: 5 minutes; 1.5 s
 * here) and ends a closed shard's last subscription with its child shards.
 */
describe('the enhanced fan-out reader on the faithful local Kinesis', () => {
  const h = faithfulHarness();
  let n = 0;

  async function setup(): Promise<{ stream: string; config: Config; efo: EfoSource }> {
    const proxy = await startLimitProxy({ upstream: h.stack.kinesisEndpoint, port: 0, faithful: { efo: { consumerStatusDelayMs: 200, pollMs: 10, subscriptionMs: 1_500 } } });
    h.proxies.push(proxy);
    const stream = `efo-reader-${++n}`;
    await ensureStream(h.direct, { name: stream, shards: 1, retentionHours: 24, pollMs: 20 });
    const config = configSchema.parse({ aws: { kinesisEndpoint: proxy.endpoint }, stream: { name: stream }, efo: { activeTimeoutMs: 30_000 } });
    return { stream, config, efo: createEfoSource(config, 'FaithfulApp', silentLog) };
  }

  const put = async (stream: string, data: string) => (await h.direct.send(new PutRecordCommand({ StreamName: stream, PartitionKey: 'k', Data: Buffer.from(data) }))).SequenceNumber!;

  const reader = (efo: EfoSource, signal: AbortSignal, shardId = SHARD): RecordSource & { subscriptions: number } =>
    createRecordSource({ mode: 'efo', efo, kinesis: undefined as never, options: undefined as never, shardId, range: undefined, from: undefined, initial: { type: 'TRIM_HORIZON' }, counters: createReadCounters(), log: silentLog, signal }) as RecordSource & { subscriptions: number };

  it('reads across subscriptions the server ends (as AWS does every 5 minutes) without gap or repeat', { timeout: TIMEOUT }, async () => {
    const { stream, efo } = await setup();
    const stop = new AbortController();
    try {
      const r = reader(efo, stop.signal);
      const got: ConsumedRecord[] = [];
      let i = 0;
      // Put records one by one while reading, until the reader went through at least three subscriptions.
      await waitFor('three subscriptions read through', async () => {
        await put(stream, `r-${i++}`);
        got.push(...(await r.next()).records);
        return r.subscriptions >= 3;
      }, 90_000);
      await waitFor('every record put', async () => {
        got.push(...(await r.next()).records);
        return got.length >= i;
      }, 30_000);
      assert.deepEqual(got.map((x) => x.data.toString()), Array.from({ length: i }, (_, k) => `r-${k}`));
    } finally {
      stop.abort();
      efo.close();
    }
  });

  it('ends at the end of a closed shard, after its last record', { timeout: TIMEOUT }, async () => {
    const { stream, efo } = await setup();
    const stop = new AbortController();
    try {
      for (let i = 0; i < 3; i++) await put(stream, `parent-${i}`);
      await h.direct.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: SHARD, NewStartingHashKey: (2n ** 127n).toString() }));
      await waitFor('the split done', async () => ((await h.direct.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []).length === 3, 30_000);
      const r = reader(efo, stop.signal);
      const got: ConsumedRecord[] = [];
      let end = false;
      await waitFor('the end of the parent shard', async () => {
        const b = await r.next();
        got.push(...b.records);
        end = b.end;
        return end;
      }, 60_000);
      assert.deepEqual(got.map((x) => x.data.toString()), ['parent-0', 'parent-1', 'parent-2']);
    } finally {
      stop.abort();
      efo.close();
    }
  });
});
