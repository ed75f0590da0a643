import assert from 'node:assert/strict';
import { ListShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { after, before, describe, it } from 'node:test';
import { createKinesisClient } from '../../src/aws/awsClients.ts';
import { serializeEvent, type UserEvent } from '../../src/events/eventSchema.ts';
import { KinesisProducer, type RecordOwner } from '../../src/produce/KinesisProducer.ts';
import { kinesisWritePortFrom, type KinesisWritePort } from '../../src/kinesis/KinesisWritePort.ts';
import { createProducerCounters } from '../../src/produce/ProducerCounters.ts';
import { ensureStream } from '../../src/setup/ensureStream.ts';
import { silentLog } from '../helpers/consumerHarness.ts';
import { createStream, orderViolations, readStreamView } from '../helpers/readStream.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';
import { userEvent } from '../helpers/userEvent.ts';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack.close();
});

const event = (user: number, seq: number): UserEvent => userEvent({ eventId: `u${user}-${seq}`, userid: `user-${user}`, fullName: 'A B', gender: 'F', userSeq: seq });

describe('producer retries across a reshard', () => {
  it('an aggregate that failed before a split is rebuilt for the children, never re-sent with the parent\'s hash key', { timeout: 120_000 }, async () => {
    const client = createKinesisClient(stack.settings().config);
    const stream = 'retry-rebuild';
    await createStream(client, stream, 1);
    const real = kinesisWritePortFrom(client);
    // Kinesis refuses every record until the split is done (InternalFailure, as a partial failure).
    let refusing = true;
    let refused = 0;
    const port: KinesisWritePort = {
      listShards: (s) => real.listShards(s),
      async putRecords(s, entries) {
        if (!refusing) return real.putRecords(s, entries);
        refused += entries.length;
        return entries.map(() => ({ errorCode: 'InternalFailure', errorMessage: 'refused until the split' }));
      },
    };
    const counters = createProducerCounters();
    const config = stack.settings().config;
    const producer = new KinesisProducer(
      { ...config.producer, retryInitialMs: 5, retryMaxMs: 50, shardMapRefreshMs: 600_000, streamName: stream, endpoint: stack.kinesisEndpoint },
      { kinesis: port, counters, log: silentLog },
    );
    await producer.start();
    let acked = 0;
    const owner: RecordOwner = { acked: (n) => (acked += n), deadLettered: (items) => assert.fail(`dead-lettered ${items.length}`) };
    const events: UserEvent[] = [];
    for (let seq = 1; seq <= 3; seq++) for (let u = 0; u < 200; u++) events.push(event(u, seq));
    events.forEach((e, i) => producer.add(e.userid, Buffer.from(serializeEvent(e)), owner, i));
    const flushed = producer.flush();
    for (const until = Date.now() + 60_000; counters.retries === 0; ) {
      assert.ok(Date.now() < until, 'records were retried');
      await new Promise((r) => setTimeout(r, 10));
    }
    const [parent] = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards!;
    const mid = ((BigInt(parent!.HashKeyRange!.StartingHashKey!) + BigInt(parent!.HashKeyRange!.EndingHashKey!)) / 2n).toString();
    await client.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: parent!.ShardId!, NewStartingHashKey: mid }));
    await ensureStream(client, { name: stream, shards: 1, retentionHours: 24, pollMs: 20 });
    await producer.requestRefresh(true);
    refusing = false;
    await flushed;
    producer.close();
    assert.equal(acked, events.length);
    assert.ok(refused > 0);
    assert.ok(counters.retriesRebuilt > 0, 'retried aggregates were rebuilt for the new map');
    assert.equal(counters.eventsResent, 0, 'no rebuilt aggregate landed on a shard that excludes its users');
    const view = await readStreamView(client, stream);
    assert.equal(view.dropped.length, 0);
    assert.deepEqual(view.events.map((e) => e.event.eventId).sort(), events.map((e) => e.eventId).sort());
    assert.ok(view.events.every((e) => e.shardId !== parent!.ShardId), 'nothing on the closed parent');
    assert.deepEqual(orderViolations(view.events, view.parentsOf), []);
    client.destroy();
  });
});
