import { classifyAwsError, type AwsErrorClass } from '../aws/awsErrors.ts';
import { CentosError, describeCause } from '../errors.ts';

export interface KinesisErrorClass extends AwsErrorClass {
  /** The shard iterator timed out (5 minutes on AWS): get a new one from the last position, do not repeat the call. */
  iteratorExpired: boolean;
}

/**
 * Kinesis' own meaning of an error, on top of the SDK's classification: an expired iterator
 * needs a new iterator (the same call would fail again); an expired ListShards token means
 * listing again from the start, which the next call does; KMS throttling is throttling.
 * ResourceNotFoundException stays not retriable (a closed shard past the retention, or no
 * stream): the caller decides what it means.
 */
export function classifyKinesisError(err: unknown): KinesisErrorClass {
  const c = classifyAwsError(err);
  const iteratorExpired = c.code === 'ExpiredIteratorException';
  const throttled = c.throttled || c.code === 'KMSThrottlingException';
  const retriable = !iteratorExpired && (c.retriable || throttled || c.code === 'ExpiredNextTokenException');
  return { ...c, throttled, retriable, iteratorExpired };
}

/** A Kinesis call failed: which call, against which endpoint, and whether trying again can help. */
export class KinesisError extends CentosError {
  /** The AWS error code (or network code) of the cause. */
  readonly awsCode: string;
  readonly throttled: boolean;
  readonly iteratorExpired: boolean;
  readonly operation: string;
  readonly endpoint: string;

  constructor(operation: string, endpoint: string, cause: unknown) {
    const c = classifyKinesisError(cause);
    super(`Kinesis ${operation} at ${endpoint}: ${describeCause(cause)}`, { retriable: c.retriable, cause });
    this.awsCode = c.code;
    this.throttled = c.throttled;
    this.iteratorExpired = c.iteratorExpired;
    this.operation = operation;
    this.endpoint = endpoint;
  }
}

/** Runs one SDK call, turning what it throws into a KinesisError. */
export async function kinesisCall<T>(operation: string, endpoint: () => Promise<string>, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof KinesisError) throw err;
    throw new KinesisError(operation, await endpoint().catch(() => '<unknown endpoint>'), err);
  }
}
