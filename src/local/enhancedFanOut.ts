import { DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient, type ShardIteratorType } from '@aws-sdk/client-kinesis';
import { EventStreamCodec, type MessageHeaders } from '@smithy/core/event-streams';
import type { Logger } from '../log/createLogger.ts';
import { iteratorPosition, sequenceBefore } from './kinesaliteSequence.ts';
import { AWS_PUSH_BYTES_PER_SEC, fullPushBudget, recordsToPush, refillBytes, type PushBudget } from './pushBudget.ts';
import { streamNameOfArn, StreamConsumers, type ConsumerRefusal, type StreamConsumer } from './streamConsumers.ts';
import { admitSubscribe, AWS_SUBSCRIBE_RULES, subscriptionExpired, type SubscribeRules, type SubscriptionSlot } from './subscribeAdmission.ts';

/** Enhanced fan-out in the faithful mode; every field defaults to AWS's figure. */
export interface EfoOptions {
  /** Bytes per second per consumer per shard (AWS: 2 MiB), its own budget, not the GetRecords readers'. */
  bytesPerSec?: number;
  /** How long a subscription streams before it ends (AWS: 5 minutes). */
  subscriptionMs?: number;
  /** How long a consumer stays CREATING after RegisterStreamConsumer, and DELETING after DeregisterStreamConsumer (default 1000 ms). */
  consumerStatusDelayMs?: number;
  /** How often a subscription looks for new records in the emulator (default 50 ms): records reach the subscriber within about that. */
  pollMs?: number;
  /** An event without records is sent when nothing was sent for this long (default 5000 ms), so the continuation moves. */
  heartbeatMs?: number;
  subscribeRules?: Partial<SubscribeRules>;
}

export interface EfoStats {
  consumersRegistered: number;
  subscriptions: number;
  /** SubscribeToShard refused: within a second of the previous call (LimitExceededException). */
  subscribeLimited: number;
  /** SubscribeToShard refused while the consumer's subscription to the shard is active (ResourceInUseException). */
  subscribeInUse: number;
  subscriptionsTakenOver: number;
  subscriptionsExpired: number;
  subscriptionsAtShardEnd: number;
  efoEvents: number;
  efoRecords: number;
  efoBytes: number;
  /** Subscription turns skipped because the consumer's 2 MiB/s on the shard was spent. */
  efoBudgetWaits: number;
}

export const emptyEfoStats = (): EfoStats => ({
  consumersRegistered: 0,
  subscriptions: 0,
  subscribeLimited: 0,
  subscribeInUse: 0,
  subscriptionsTakenOver: 0,
  subscriptionsExpired: 0,
  subscriptionsAtShardEnd: 0,
  efoEvents: 0,
  efoRecords: 0,
  efoBytes: 0,
  efoBudgetWaits: 0,
});

/** Where a SubscribeToShard answer goes: the HTTP side of the proxy. */
export interface SubscribeSink {
  /** Answers with an AWS error before the stream starts. */
  refuse(type: string, message: string): void;
  /** Sends the 200 headers of an event stream. */
  start(): void;
  send(frame: Uint8Array): void;
  end(): void;
  onClose(cb: () => void): void;
}

export type EfoAnswer = { ok: Record<string, unknown> } | ConsumerRefusal;

interface Subscription {
  key: string;
  consumer: StreamConsumer;
  stream: string;
  shardId: string;
  startedAt: number;
  iterator: string;
  /** The sequence number to continue after: the last record pushed, or just before where the subscription started. */
  continuation: string;
  lastEventAt: number;
  /** AT_TIMESTAMP: records that arrived before this (epoch ms) are passed over. */
  skipBefore?: number;
  /** Average record size seen, to ask the emulator for about a budget's worth. */
  avgRecordBytes: number;
  sink: SubscribeSink;
  timer?: NodeJS.Timeout;
  done: boolean;
}

interface StartingPosition {
  Type?: string;
  SequenceNumber?: string;
  Timestamp?: number;
}

const NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const MAX_FETCH = 10_000;
const utf8 = { to: (b: Uint8Array) => Buffer.from(b).toString('utf8'), from: (s: string) => new Uint8Array(Buffer.from(s, 'utf8')) };
const str = (value: string) => ({ type: 'string' as const, value });

/**
 * Enhanced fan-out on top of the embedded Kinesis: the consumer registry (Register/Describe/List/
 * DeregisterStreamConsumer) and SubscribeToShard subscriptions that read the emulator directly at a short
 * interval — outside the shard's shared GetRecords budget — and push AWS event-stream messages encoded with
 * the SDK's own codec. The decisions are pure: `StreamConsumers`, `admitSubscribe`, `recordsToPush`.
 */
export function createEnhancedFanOut(d: { upstream: KinesisClient; now: () => number; options?: EfoOptions; stats: EfoStats; shardGone(stream: string, shardId: string): boolean; log?: Logger }) {
  const o = d.options ?? {};
  const bytesPerSec = o.bytesPerSec ?? AWS_PUSH_BYTES_PER_SEC;
  const lifetimeMs = o.subscriptionMs ?? 300_000;
  const pollMs = o.pollMs ?? 50;
  const heartbeatMs = o.heartbeatMs ?? 5000;
  const rules: SubscribeRules = { ...AWS_SUBSCRIBE_RULES, ...o.subscribeRules };
  const consumers = new StreamConsumers(o.consumerStatusDelayMs ?? 1000);
  const slots = new Map<string, SubscriptionSlot>();
  const budgets = new Map<string, PushBudget>();
  const active = new Map<string, Subscription>();
  const codec = new EventStreamCodec(utf8.to, utf8.from);
  const { stats, now, upstream } = d;

  const frame = (headers: MessageHeaders, body: unknown) => codec.encode({ headers, body: utf8.from(JSON.stringify(body)) });
  const event = (type: string, body: unknown) => frame({ ':message-type': str('event'), ':event-type': str(type), ':content-type': str('application/json') }, body);
  const exception = (type: string, message: string) => frame({ ':message-type': str('exception'), ':exception-type': str(type), ':content-type': str('application/json') }, { message });

  const describe = (c: StreamConsumer) => ({ ConsumerName: c.name, ConsumerARN: c.arn, ConsumerStatus: consumers.status(c, now()), ConsumerCreationTimestamp: Math.floor(c.createdAt / 1000) });

  /** The emulator's ARN of the stream a caller's ARN names, or a refusal when there is no such stream. */
  const streamArnOf = async (arn: string | undefined): Promise<string | ConsumerRefusal> => {
    const name = arn ? streamNameOfArn(arn) : undefined;
    if (!name) return { error: 'InvalidArgumentException', message: `StreamARN ${arn ?? '(missing)'} is not a stream ARN.` };
    try {
      const s = await upstream.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      return s.StreamDescriptionSummary!.StreamARN!;
    } catch (err) {
      if ((err as Error).name === 'ResourceNotFoundException') return { error: 'ResourceNotFoundException', message: `Stream ${name} under account 000000000000 not found.` };
      throw err;
    }
  };

  /** RegisterStreamConsumer, DescribeStreamConsumer, ListStreamConsumers, DeregisterStreamConsumer. */
  const call = async (op: string, body: Record<string, unknown>): Promise<EfoAnswer> => {
    const q = body as { ConsumerARN?: string; StreamARN?: string; ConsumerName?: string; MaxResults?: number; NextToken?: string };
    switch (op) {
      case 'RegisterStreamConsumer': {
        if (typeof q.ConsumerName !== 'string' || !NAME.test(q.ConsumerName)) return { error: 'InvalidArgumentException', message: `ConsumerName must match [a-zA-Z0-9_.-]{1,128}; got ${JSON.stringify(q.ConsumerName)}.` };
        const arn = await streamArnOf(q.StreamARN);
        if (typeof arn !== 'string') return arn;
        const c = consumers.register(arn, q.ConsumerName, now());
        if ('error' in c) return c;
        stats.consumersRegistered++;
        return { ok: { Consumer: describe(c) } };
      }
      case 'DescribeStreamConsumer': {
        const c = consumers.find(q, now());
        return 'error' in c ? c : { ok: { ConsumerDescription: { ...describe(c), StreamARN: c.streamArn } } };
      }
      case 'ListStreamConsumers': {
        const token = q.NextToken ? Buffer.from(q.NextToken, 'base64url').toString('utf8').split('|') : undefined;
        const arn = await streamArnOf(token?.[0] ?? q.StreamARN);
        if (typeof arn !== 'string') return arn;
        const all = consumers.list(arn, now());
        const from = Number(token?.[1] ?? 0);
        const to = from + Math.min(100, Math.max(1, q.MaxResults ?? 100));
        return { ok: { Consumers: all.slice(from, to).map(describe), ...(to < all.length ? { NextToken: Buffer.from(`${arn}|${to}`).toString('base64url') } : {}) } };
      }
      case 'DeregisterStreamConsumer': {
        const c = consumers.deregister(q, now());
        return 'error' in c ? c : { ok: {} };
      }
      default:
        return { error: 'InvalidArgumentException', message: `${op} is not an enhanced fan-out operation.` };
    }
  };

  const finish = (s: Subscription, end?: { type: string; message: string }) => {
    if (s.done) return;
    s.done = true;
    clearTimeout(s.timer);
    if (active.get(s.key) === s) {
      active.delete(s.key);
      const slot = slots.get(s.key);
      if (slot) slots.set(s.key, { ...slot, activeSince: undefined });
    }
    if (end) s.sink.send(exception(end.type, end.message));
    s.sink.end();
  };

  const childShards = async (stream: string, shardId: string) => {
    const all = (await upstream.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
    return all
      .filter((c) => c.ParentShardId === shardId || c.AdjacentParentShardId === shardId)
      .map((c) => ({ ShardId: c.ShardId, ParentShards: [c.ParentShardId, c.AdjacentParentShardId].filter(Boolean), HashKeyRange: c.HashKeyRange }));
  };

  const push = (s: Subscription, body: Record<string, unknown>) => {
    s.sink.send(event('SubscribeToShardEvent', body));
    s.lastEventAt = now();
    stats.efoEvents++;
  };

  /** One turn of a subscription: end it if it must, else push what the emulator has and the budget allows. */
  const turn = async (s: Subscription): Promise<void> => {
    const t = now();
    if (subscriptionExpired(s.startedAt, t, lifetimeMs)) {
      stats.subscriptionsExpired++;
      return finish(s);
    }
    if ('error' in consumers.find({ ConsumerARN: s.consumer.arn }, t) || consumers.status(s.consumer, t) !== 'ACTIVE')
      return finish(s, { type: 'ResourceNotFoundException', message: `Consumer ${s.consumer.arn} was deregistered.` });
    if (d.shardGone(s.stream, s.shardId)) return finish(s, { type: 'ResourceNotFoundException', message: `Shard ${s.shardId} in stream ${s.stream} under account 000000000000 does not exist` });
    const b = budgets.get(s.key) ?? fullPushBudget(bytesPerSec, t);
    const avail = refillBytes(b.bytes, b.at, bytesPerSec, t);
    if (avail <= 0) {
      stats.efoBudgetWaits++;
      return;
    }
    const limit = Math.max(1, Math.min(MAX_FETCH, Math.ceil(avail / s.avgRecordBytes) + 1));
    const r = await upstream.send(new GetRecordsCommand({ ShardIterator: s.iterator, Limit: limit }));
    if (s.done) return;
    let records = r.Records ?? [];
    if (s.skipBefore !== undefined && records.length > 0) {
      const from = records.findIndex((x) => (x.ApproximateArrivalTimestamp?.getTime() ?? 0) >= s.skipBefore!);
      const skipped = from < 0 ? records : records.slice(0, from);
      if (skipped.length > 0) s.continuation = skipped.at(-1)!.SequenceNumber!;
      if (from >= 0) s.skipBefore = undefined;
      records = from < 0 ? [] : records.slice(from);
      if (records.length === 0) {
        s.iterator = r.NextShardIterator ?? s.iterator;
        return;
      }
    }
    if (records.length === 0) {
      if (!r.NextShardIterator) {
        push(s, { Records: [], MillisBehindLatest: 0, ChildShards: await childShards(s.stream, s.shardId) });
        stats.subscriptionsAtShardEnd++;
        return finish(s);
      }
      // The continuation stays: AFTER it is still exactly where this subscription reads next.
      s.iterator = r.NextShardIterator;
      if (now() - s.lastEventAt >= heartbeatMs) push(s, { Records: [], ContinuationSequenceNumber: s.continuation, MillisBehindLatest: 0 });
      return;
    }
    const sizes = records.map((x) => (x.Data?.length ?? 0) + Buffer.byteLength(x.PartitionKey ?? ''));
    const v = recordsToPush(b, sizes, bytesPerSec, t);
    budgets.set(s.key, v.budget);
    s.avgRecordBytes = Math.max(1, Math.round(sizes.reduce((a, x) => a + x, 0) / sizes.length));
    const out = records.slice(0, v.count);
    const last = out.at(-1)!;
    const cut = v.count < records.length;
    s.continuation = last.SequenceNumber!;
    s.iterator = cut
      ? (await upstream.send(new GetShardIteratorCommand({ StreamName: s.stream, ShardId: s.shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: s.continuation }))).ShardIterator!
      : r.NextShardIterator!;
    if (s.done) return;
    const arrived = last.ApproximateArrivalTimestamp?.getTime();
    push(s, {
      Records: out.map((x) => ({
        SequenceNumber: x.SequenceNumber,
        ApproximateArrivalTimestamp: (x.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
        Data: Buffer.from(x.Data ?? new Uint8Array()).toString('base64'),
        PartitionKey: x.PartitionKey,
      })),
      ContinuationSequenceNumber: s.continuation,
      MillisBehindLatest: arrived !== undefined && (cut || records.length >= limit) ? Math.max(1, Math.round(now() - arrived)) : 0,
    });
    stats.efoRecords += out.length;
    stats.efoBytes += v.bytes;
  };

  const schedule = (s: Subscription) => {
    s.timer = setTimeout(() => {
      turn(s)
        .catch((err: Error) => finish(s, { type: 'InternalFailureException', message: `faithful proxy: ${err.message}` }))
        .finally(() => {
          if (!s.done) schedule(s);
        });
    }, pollMs);
  };

  /** SubscribeToShard: refuse as AWS does, or start an event stream on `sink`. */
  const subscribe = async (body: { ConsumerARN?: string; ShardId?: string; StartingPosition?: StartingPosition }, sink: SubscribeSink): Promise<void> => {
    const t = now();
    const c = consumers.find({ ConsumerARN: body.ConsumerARN ?? '' }, t);
    if ('error' in c) return sink.refuse(c.error, c.message);
    const status = consumers.status(c, t);
    if (status !== 'ACTIVE') return sink.refuse('ResourceInUseException', `Consumer ${c.arn} is ${status}, not ACTIVE.`);
    const stream = streamNameOfArn(c.streamArn)!;
    const shardId = body.ShardId ?? '';
    if (d.shardGone(stream, shardId)) return sink.refuse('ResourceNotFoundException', `Shard ${shardId} in stream ${stream} under account 000000000000 does not exist`);
    const key = `${c.arn}/${shardId}`;
    const a = admitSubscribe(slots.get(key) ?? {}, t, rules);
    slots.set(key, a.slot);
    if (a.verdict === 'LimitExceededException') {
      stats.subscribeLimited++;
      return sink.refuse('LimitExceededException', `Rate exceeded for consumer ${c.arn} and shard ${shardId} under account 000000000000: one SubscribeToShard call per second.`);
    }
    if (a.verdict === 'ResourceInUseException') {
      stats.subscribeInUse++;
      return sink.refuse('ResourceInUseException', `Another active subscription exists for consumer ${c.arn} and shard ${shardId}.`);
    }
    const p = body.StartingPosition ?? {};
    // kinesalite never answers an AT_TIMESTAMP iterator when no record arrived at or after it: read from the
    // start and pass over the older records instead.
    const atTimestamp = p.Type === 'AT_TIMESTAMP' && typeof p.Timestamp === 'number';
    let iterator: string;
    try {
      iterator = (
        await upstream.send(
          new GetShardIteratorCommand({
            StreamName: stream,
            ShardId: shardId,
            ShardIteratorType: atTimestamp ? 'TRIM_HORIZON' : (p.Type as ShardIteratorType),
            ...(p.SequenceNumber !== undefined ? { StartingSequenceNumber: p.SequenceNumber } : {}),
          }),
        )
      ).ShardIterator!;
    } catch (err) {
      slots.set(key, { ...a.slot, activeSince: undefined });
      const e = err as Error & { $metadata?: { httpStatusCode?: number } };
      if (e.$metadata?.httpStatusCode === 400) return sink.refuse(e.name, e.message);
      throw err;
    }
    const previous = active.get(key);
    const s: Subscription = { key, consumer: c, stream, shardId, startedAt: t, iterator, continuation: sequenceBefore(iteratorPosition(iterator)), lastEventAt: -Infinity, avgRecordBytes: 1024, sink, done: false };
    if (atTimestamp) s.skipBefore = p.Timestamp! * 1000;
    active.set(key, s);
    if (previous) {
      stats.subscriptionsTakenOver++;
      finish(previous, { type: 'ResourceInUseException', message: `A newer subscription of consumer ${c.arn} to shard ${shardId} took over.` });
    }
    stats.subscriptions++;
    sink.onClose(() => finish(s));
    sink.start();
    sink.send(event('initial-response', {}));
    schedule(s);
  };

  return {
    call,
    subscribe,
    forgetStream(name: string) {
      consumers.forgetStream(name);
      for (const m of [slots, budgets] as Map<string, unknown>[]) for (const k of m.keys()) if (streamNameOfArn(k) === name) m.delete(k);
    },
    close() {
      for (const s of [...active.values()]) finish(s);
    },
  };
}

export type EnhancedFanOut = ReturnType<typeof createEnhancedFanOut>;
