import { setTimeout as delay } from 'node:timers/promises';
import { KinesisError } from '../KinesisError.ts';
import type { Logger } from '../../log/createLogger.ts';
import { retry } from '../../util/retry.ts';
import type { EfoPort, StreamConsumer } from './EfoPort.ts';

export interface EnsureConsumerInput {
  efo: EfoPort;
  /** The consumer's name: the application name, as the KCL does. */
  name: string;
  /** For messages: where Kinesis is. */
  endpoint: string;
  log: Logger;
  /** How long registration may take to become ACTIVE (AWS: seconds). */
  activeTimeoutMs: number;
  /** Between two DescribeStreamConsumer calls while waiting (AWS allows 20 per second per stream). */
  pollMs?: number;
  signal?: AbortSignal;
}

/** Registrations of this process, by stream and name. */
const processCache = new Map<string, Promise<StreamConsumer>>();

/** Register/Describe/ListStreamConsumer are limited to a few calls per second per stream: LimitExceededException is retried. */
const REGISTER_POLICY = { retries: 8, initialMs: 250, maxMs: 4_000, factor: 2, jitter: 0.5 } as const;

const isThrottled = (err: unknown) => err instanceof KinesisError && (err.throttled || err.awsCode === 'LimitExceededException');

async function registerOrFind(i: EnsureConsumerInput, streamArn: string): Promise<StreamConsumer> {
  const call = <T>(fn: () => Promise<T>) => retry(fn, { ...REGISTER_POLICY, isRetriable: isThrottled, signal: i.signal });
  const deadline = Date.now() + i.activeTimeoutMs;
  let registered = false;
  for (;;) {
    const found = await call(() => i.efo.describeConsumer(streamArn, i.name));
    if (found?.status === 'ACTIVE') return found;
    if (found === undefined) {
      try {
        await call(() => i.efo.registerConsumer(streamArn, i.name));
        registered = true;
        i.log.info({ consumer: i.name, stream: streamArn }, 'registered the enhanced fan-out consumer');
      } catch (err) {
        // Another worker registered it first: use theirs.
        if (!(err instanceof KinesisError && err.awsCode === 'ResourceInUseException')) throw err;
      }
    }
    // CREATING (ours or another worker's), or DELETING (a deregistration still running; then register again).
    if (Date.now() > deadline) {
      throw new Error(`enhanced fan-out consumer ${i.name} of ${streamArn} at ${i.endpoint} is still ${found?.status ?? (registered ? 'CREATING' : 'missing')} after ${i.activeTimeoutMs} ms`);
    }
    await delay(i.pollMs ?? 1_000, undefined, i.signal ? { signal: i.signal } : undefined);
  }
}

/**
 * The application's stream consumer, registered if missing, once ACTIVE. Idempotent and safe
 * when workers on several machines race (a lost race is ResourceInUseException, answered by
 * describing the winner's registration); shared by all shards of this process (cached per
 * stream and name; a failure is not cached). Tests pass their own `cache` to play separate processes.
 */
export async function ensureStreamConsumer(i: EnsureConsumerInput, cache = processCache): Promise<StreamConsumer> {
  const streamArn = await i.efo.streamArn();
  const key = `${streamArn}\u0000${i.name}`;
  let p = cache.get(key);
  if (!p) {
    p = registerOrFind(i, streamArn);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** Forgets cached registrations (after a deregistration, and between tests). */
export function forgetStreamConsumers(): void {
  processCache.clear();
}
