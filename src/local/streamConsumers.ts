/** A consumer registered for enhanced fan-out, as the faithful proxy keeps it. */
export interface StreamConsumer {
  name: string;
  arn: string;
  streamArn: string;
  /** When it was registered (the proxy's clock, ms). */
  createdAt: number;
  /** When DeregisterStreamConsumer was called; it is DELETING until `statusDelayMs` later, then gone. */
  deletedAt?: number;
}

export type ConsumerStatus = 'CREATING' | 'ACTIVE' | 'DELETING';

/** AWS: at most 20 consumers per stream (provisioned and on-demand standard), at most 5 in CREATING per account. */
export const CONSUMER_LIMITS = { perStream: 20, creatingAtOnce: 5 };

export type ConsumerRefusal = { error: 'ResourceInUseException' | 'LimitExceededException' | 'ResourceNotFoundException' | 'InvalidArgumentException'; message: string };

/** AWS's consumer ARN: the stream's ARN, `/consumer/NAME`, and the registration time in epoch seconds. */
export function consumerArn(streamArn: string, name: string, createdAt: number): string {
  return `${streamArn}/consumer/${name}:${Math.floor(createdAt / 1000)}`;
}

/** The stream name inside a stream or consumer ARN. */
export function streamNameOfArn(arn: string): string | undefined {
  return arn.split(':stream/')[1]?.split('/')[0] || undefined;
}

/** CREATING for `statusDelayMs` after registration, then ACTIVE; DELETING for `statusDelayMs` after deregistration, then gone (undefined). */
export function consumerStatus(c: StreamConsumer, now: number, statusDelayMs: number): ConsumerStatus | undefined {
  if (c.deletedAt !== undefined) return now - c.deletedAt < statusDelayMs ? 'DELETING' : undefined;
  return now - c.createdAt < statusDelayMs ? 'CREATING' : 'ACTIVE';
}

/**
 * The registered consumers of every stream and AWS's rules for them: unique names per stream, at most 20
 * per stream, at most 5 CREATING at once. Pure state: time comes in as `now`.
 */
export class StreamConsumers {
  private readonly all: StreamConsumer[] = [];

  constructor(private readonly statusDelayMs: number) {}

  status(c: StreamConsumer, now: number): ConsumerStatus | undefined {
    return consumerStatus(c, now, this.statusDelayMs);
  }

  private live(now: number): StreamConsumer[] {
    for (let i = this.all.length - 1; i >= 0; i--) if (!this.status(this.all[i]!, now)) this.all.splice(i, 1);
    return this.all;
  }

  register(streamArn: string, name: string, now: number): StreamConsumer | ConsumerRefusal {
    const live = this.live(now);
    const mine = live.filter((c) => c.streamArn === streamArn);
    if (mine.some((c) => c.name === name)) return { error: 'ResourceInUseException', message: `Consumer ${name} under stream ${streamArn} already exists.` };
    if (mine.length >= CONSUMER_LIMITS.perStream)
      return { error: 'LimitExceededException', message: `Stream ${streamArn} already has ${CONSUMER_LIMITS.perStream} registered consumers, the most it can have.` };
    if (live.filter((c) => this.status(c, now) === 'CREATING').length >= CONSUMER_LIMITS.creatingAtOnce)
      return { error: 'LimitExceededException', message: `${CONSUMER_LIMITS.creatingAtOnce} consumers are already in CREATING status; wait until they are ACTIVE.` };
    const c: StreamConsumer = { name, arn: consumerArn(streamArn, name, now), streamArn, createdAt: now };
    live.push(c);
    return c;
  }

  /** By ConsumerARN, or by StreamARN and ConsumerName (both given: they must agree). */
  find(q: { ConsumerARN?: string; StreamARN?: string; ConsumerName?: string }, now: number): StreamConsumer | ConsumerRefusal {
    if (!q.ConsumerARN && !(q.StreamARN && q.ConsumerName))
      return { error: 'InvalidArgumentException', message: 'Either ConsumerARN, or StreamARN and ConsumerName, must be given.' };
    const c = this.live(now).find(
      (x) => (!q.ConsumerARN || x.arn === q.ConsumerARN) && (!q.StreamARN || x.streamArn === q.StreamARN) && (!q.ConsumerName || x.name === q.ConsumerName),
    );
    return c ?? { error: 'ResourceNotFoundException', message: `Consumer ${q.ConsumerARN ?? `${q.ConsumerName} under stream ${q.StreamARN}`} not found.` };
  }

  list(streamArn: string, now: number): StreamConsumer[] {
    return this.live(now).filter((c) => c.streamArn === streamArn);
  }

  deregister(q: { ConsumerARN?: string; StreamARN?: string; ConsumerName?: string }, now: number): StreamConsumer | ConsumerRefusal {
    const c = this.find(q, now);
    if ('error' in c) return c;
    c.deletedAt ??= now;
    return c;
  }

  /** A deleted stream takes its consumers with it. */
  forgetStream(streamName: string): void {
    for (let i = this.all.length - 1; i >= 0; i--) if (streamNameOfArn(this.all[i]!.streamArn) === streamName) this.all.splice(i, 1);
  }
}
