import {
  DeregisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  ListStreamConsumersCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
  type Consumer,
  type ConsumerDescription,
  type KinesisClient,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import { clientEndpoint } from '../../aws/awsClients.ts';
import { KinesisError, kinesisCall } from '../KinesisError.ts';
import type { IteratorStart, RawRecord } from '../KinesisReadPort.ts';

export type ConsumerStatus = 'CREATING' | 'DELETING' | 'ACTIVE';

export interface StreamConsumer {
  name: string;
  arn: string;
  status: ConsumerStatus;
}

/** One SubscribeToShardEvent. `continuation` is undefined at the end of a closed shard. */
export interface SubscribeEvent {
  records: RawRecord[];
  continuation: string | undefined;
  millisBehindLatest: number | undefined;
  childShardIds: string[];
}

/** The Kinesis calls of enhanced fan-out: consumer registration and shard subscriptions. */
export interface EfoPort {
  streamArn(): Promise<string>;
  /** Undefined when no consumer of that name is registered on the stream. */
  describeConsumer(streamArn: string, name: string): Promise<StreamConsumer | undefined>;
  registerConsumer(streamArn: string, name: string): Promise<StreamConsumer>;
  listConsumers(streamArn: string): Promise<StreamConsumer[]>;
  deregisterConsumer(streamArn: string, name: string): Promise<void>;
  /** The subscription's events, pulled one at a time; aborting the signal ends the HTTP/2 stream. */
  subscribe(consumerArn: string, shardId: string, start: IteratorStart, signal: AbortSignal): Promise<AsyncIterable<SubscribeEvent>>;
}

function toConsumer(c: Consumer | ConsumerDescription): StreamConsumer {
  return { name: c.ConsumerName!, arn: c.ConsumerARN!, status: c.ConsumerStatus as ConsumerStatus };
}

/** An error event inside the stream (ResourceInUseException, InternalFailureException, …) becomes a thrown error of that name. */
function streamError(event: Record<string, unknown>): Error {
  const [name, body] = Object.entries(event).find(([, v]) => v !== undefined) ?? ['UnknownEvent', undefined];
  const e = new Error(`${name} in the subscription: ${(body as { message?: string } | undefined)?.message ?? ''}`.trim());
  e.name = name;
  return e;
}

/**
 * The port over the SDK: `control` is an ordinary (HTTP/1.1) client, `stream` a client whose
 * request handler speaks HTTP/2 (SubscribeToShard requires it).
 */
export function sdkEfoPort(control: KinesisClient, stream: KinesisClient, streamName: string): EfoPort {
  const endpoint = () => clientEndpoint(control, 'kinesis');
  return {
    async streamArn() {
      const r = await kinesisCall('DescribeStreamSummary', endpoint, () => control.send(new DescribeStreamSummaryCommand({ StreamName: streamName })));
      return r.StreamDescriptionSummary!.StreamARN!;
    },
    async describeConsumer(streamArn, name) {
      try {
        const r = await kinesisCall('DescribeStreamConsumer', endpoint, () => control.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name })));
        return toConsumer(r.ConsumerDescription!);
      } catch (err) {
        if (err instanceof KinesisError && err.awsCode === 'ResourceNotFoundException') return undefined;
        throw err;
      }
    },
    async registerConsumer(streamArn, name) {
      const r = await kinesisCall('RegisterStreamConsumer', endpoint, () => control.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name })));
      return toConsumer(r.Consumer!);
    },
    async listConsumers(streamArn) {
      const out: StreamConsumer[] = [];
      let token: string | undefined;
      do {
        const r = await kinesisCall('ListStreamConsumers', endpoint, () => control.send(new ListStreamConsumersCommand({ StreamARN: streamArn, ...(token ? { NextToken: token } : {}) })));
        out.push(...(r.Consumers ?? []).map(toConsumer));
        token = r.NextToken;
      } while (token);
      return out;
    },
    async deregisterConsumer(streamArn, name) {
      await kinesisCall('DeregisterStreamConsumer', endpoint, () => control.send(new DeregisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name })));
    },
    async subscribe(consumerArn, shardId, start, signal) {
      const r = await kinesisCall('SubscribeToShard', endpoint, () =>
        stream.send(
        new SubscribeToShardCommand({
          ConsumerARN: consumerArn,
          ShardId: shardId,
          StartingPosition: {
            Type: start.type as ShardIteratorType,
            ...('seq' in start ? { SequenceNumber: start.seq } : {}),
            ...('timestampMs' in start ? { Timestamp: new Date(start.timestampMs) } : {}),
          },
        }),
        { abortSignal: signal },
      ),
      );
      const events = r.EventStream!;
      return {
        async *[Symbol.asyncIterator]() {
          const iterator = events[Symbol.asyncIterator]();
          try {
          for (;;) {
            // An error event or a broken connection while the subscription runs: typed as the call's failure.
            const n = await kinesisCall('SubscribeToShard (event stream)', endpoint, () => iterator.next());
            if (n.done) return;
            const ev = n.value;
            const e = ev.SubscribeToShardEvent;
            if (!e) throw new KinesisError('SubscribeToShard (event stream)', await endpoint(), streamError(ev as unknown as Record<string, unknown>));
            yield {
              records: (e.Records ?? []).map((x) => ({ sequenceNumber: x.SequenceNumber!, partitionKey: x.PartitionKey!, data: x.Data ?? new Uint8Array(), arrivalMs: x.ApproximateArrivalTimestamp?.getTime() ?? 0 })),
              continuation: e.ContinuationSequenceNumber ?? undefined,
              millisBehindLatest: e.MillisBehindLatest,
              childShardIds: (e.ChildShards ?? []).map((c) => c.ShardId!),
            };
          }
          } finally {
            // Released by the reader (or ended): let the SDK's decoder go; the HTTP/2 stream is cancelled by the signal.
            void iterator.return?.()?.catch(() => undefined);
          }
        },
      };
    },
  };
}
