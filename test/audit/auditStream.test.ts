import assert from 'node:assert/strict';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { after, before, describe, it } from 'node:test';
import { auditStreamView, streamViolations } from '../../src/audit/auditStreamView.ts';
import { readKclView } from '../../src/audit/readKclView.ts';
import { createKinesisClient } from '../../src/aws/awsClients.ts';
import type { ConsumedRecord } from '../../src/kinesis/deaggregate.ts';
import { createReadCounters } from '../../src/kinesis/ShardReader.ts';
import { encodeAggregate } from '../../src/kinesis/kplAggregation.ts';
import { sdkKinesisReadPort } from '../../src/kinesis/KinesisReadPort.ts';
import { hashKeyOf } from '../../src/kinesis/shardMap.ts';
import { silentLog } from '../helpers/consumerHarness.ts';
import { createStream } from '../helpers/readStream.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

const rec = (shardId: string, seq: number, eventId: string, userid: string): ConsumedRecord => ({
  shardId,
  seq: String(seq),
  sub: 0,
  last: true,
  partitionKey: userid,
  data: Buffer.from(JSON.stringify({ eventId, userid })),
  arrivalMs: 0,
});

describe('the stream as a KCL reads it, against the input', () => {
  // parent split into a and b; a and c merged into m.
  const shards = [
    { shardId: 'parent', parentIds: [], hashStart: '0', hashEnd: '99' },
    { shardId: 'a', parentIds: ['parent'], hashStart: '0', hashEnd: '49' },
    { shardId: 'b', parentIds: ['parent'], hashStart: '50', hashEnd: '99' },
    { shardId: 'c', parentIds: [], hashStart: '100', hashEnd: '199' },
    { shardId: 'm', parentIds: ['a', 'c'], hashStart: '0', hashEnd: '49' },
  ];
  const input = new Map([
    ['e1', { userid: 'u' }],
    ['e2', { userid: 'u' }],
    ['e3', { userid: 'u' }],
    ['f1', { userid: 'v' }],
  ]);
  const cases: Array<{ name: string; records: ConsumedRecord[]; dropped?: number; want: Partial<ReturnType<typeof auditStreamView>>; violations: number }> = [
    {
      name: 'a user moving down one line of descent, in order',
      records: [rec('parent', 1, 'e1', 'u'), rec('a', 2, 'e2', 'u'), rec('m', 3, 'e3', 'u'), rec('c', 1, 'f1', 'v')],
      want: { records: 4, missing: 0, orderViolations: 0, usersOnSiblingShards: 0 },
      violations: 0,
    },
    {
      name: 'a child holding an earlier event than its parent is out of order (children are read after parents)',
      records: [rec('parent', 1, 'e2', 'u'), rec('a', 2, 'e1', 'u'), rec('a', 3, 'e3', 'u'), rec('c', 1, 'f1', 'v')],
      want: { orderViolations: 1 },
      violations: 1,
    },
    {
      name: 'a user on both children of a split is on sibling shards',
      records: [rec('parent', 1, 'e1', 'u'), rec('a', 2, 'e2', 'u'), rec('b', 3, 'e3', 'u'), rec('c', 1, 'f1', 'v')],
      want: { usersOnSiblingShards: 1 },
      violations: 1,
    },
    {
      name: 'an event only in a dropped copy is missing; dropped copies and extra copies are reported, not violations',
      records: [rec('parent', 1, 'e1', 'u'), rec('parent', 2, 'e1', 'u'), rec('a', 3, 'e2', 'u'), rec('c', 1, 'f1', 'v')],
      dropped: 7,
      want: { missing: 1, extraCopies: 1, droppedOutOfRange: 7 },
      violations: 1,
    },
    {
      name: 'records that are not events and events not in the input are counted, not violations',
      records: [rec('parent', 1, 'e1', 'u'), rec('a', 2, 'e2', 'u'), rec('a', 3, 'e3', 'u'), rec('c', 1, 'f1', 'v'), rec('c', 2, 'zz', 'w'), { ...rec('c', 3, 'x', 'w'), data: Buffer.from('not json') }],
      want: { unreadable: 1, records: 6 },
      violations: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const byShard = new Map<string, ConsumedRecord[]>();
      for (const r of c.records) (byShard.get(r.shardId) ?? byShard.set(r.shardId, []).get(r.shardId)!).push(r);
      const out = auditStreamView(shards, byShard, input, c.dropped ?? 0);
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(out[k as keyof typeof out], v, k);
      assert.equal(streamViolations(out), c.violations, out.examples.join('; '));
    });
  }
});

describe('audit --stream reading kinesalite', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack.close();
  });

  it('finds the events that exist only in an aggregate on a shard whose range excludes them', { timeout: 60_000 }, async () => {
    const client = createKinesisClient(stack.settings().config);
    await createStream(client, 'misplaced', 2);
    const kinesis = sdkKinesisReadPort(client, 'misplaced');
    const [lower] = (await kinesis.listShards()).sort((x, y) => (BigInt(x.hashStart) < BigInt(y.hashStart) ? -1 : 1));
    const users = Array.from({ length: 30 }, (_, i) => `user-${i}`);
    const upperUsers = users.filter((u) => hashKeyOf(u) > BigInt(lower!.hashEnd));
    const event = (u: string, n: number) => ({ eventId: `${u}-${n}`, userid: u });
    // The bug: one aggregate of every user, routed to the lower shard by its explicit hash key (a stale map after a split).
    const wrong = encodeAggregate(users.map((u) => ({ partitionKey: u, data: Buffer.from(JSON.stringify(event(u, 1))) })));
    // Plain records of each user's next event, routed by their own keys.
    await client.send(new PutRecordsCommand({ StreamName: 'misplaced', Records: [{ PartitionKey: users[0]!, ExplicitHashKey: lower!.hashStart, Data: wrong }, ...users.map((u) => ({ PartitionKey: u, Data: Buffer.from(JSON.stringify(event(u, 2))) }))] }));
    const input = new Map(users.flatMap((u) => [event(u, 1), event(u, 2)]).map((e) => [e.eventId, e]));
    const options = { maxRecordsPerFetch: 10_000, maxBytesPerFetch: 1024 * 1024, intervalMs: 200, share: 1, shardCallsPerSec: 5, shardBytesPerSec: 2 * 1024 * 1024, idleMs: 20, idleMaxMs: 200 };
    const counters = createReadCounters();
    const view = await readKclView({ kinesis, options, counters, log: silentLog });
    const audit = auditStreamView(view.shards, view.records, input, counters.subRecordsDropped);
    assert.equal(audit.droppedOutOfRange, upperUsers.length);
    assert.equal(audit.missing, upperUsers.length, 'each upper user\'s first event exists only where a KCL drops it');
    assert.equal(audit.orderViolations, 0);
    // Re-sending those user records to their own shard (what the producer now does) makes the stream whole.
    await client.send(new PutRecordsCommand({ StreamName: 'misplaced', Records: upperUsers.map((u) => ({ PartitionKey: u, Data: encodeAggregate([{ partitionKey: u, data: Buffer.from(JSON.stringify(event(u, 1))) }]) })) }));
    const again = createReadCounters();
    const view2 = await readKclView({ kinesis, options, counters: again, log: silentLog });
    const fixed = auditStreamView(view2.shards, view2.records, input, again.subRecordsDropped);
    assert.equal(fixed.missing, 0);
    // The re-sent copy comes after the user's next event on that shard: that is the order break strict order prevents in the producer.
    assert.equal(fixed.orderViolations, upperUsers.length);
    client.destroy();
  });
});
