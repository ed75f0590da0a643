import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';

/** What an SDK error means for a retry, judged by the SDK's own service-error classification. */
export interface AwsErrorClass {
  /** The service's error code (`ProvisionedThroughputExceededException`, `SlowDown`), a network code (`ECONNREFUSED`), or the error's name. */
  code: string;
  /** Refused for a rate or quota: back off longer. */
  throttled: boolean;
  /** The same call may succeed later: throttling, a network failure or timeout, a 5xx, a modelled server fault. */
  retriable: boolean;
}

interface SdkErrorShape {
  name?: string;
  code?: unknown;
  Code?: unknown;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
  awsCode?: unknown;
}

const asObject = (err: unknown): SdkErrorShape | undefined => (typeof err === 'object' && err !== null ? (err as SdkErrorShape) : undefined);

/** The SDK error's code (`ResourceNotFoundException`, `NoSuchBucket`, …) or a wrapped one's; undefined for anything else. */
export function awsErrorName(err: unknown): string | undefined {
  const e = asObject(err);
  if (typeof e?.awsCode === 'string') return e.awsCode;
  if (typeof e?.Code === 'string') return e.Code;
  return e?.name;
}

export function httpStatusOf(err: unknown): number | undefined {
  return asObject(err)?.$metadata?.httpStatusCode;
}

/** Classifies an error thrown by an AWS SDK call; anything that is not an object is not retriable. */
export function classifyAwsError(err: unknown): AwsErrorClass {
  const e = asObject(err);
  if (!e) return { code: String(err), throttled: false, retriable: false };
  const modelled = e.$metadata !== undefined || e.$fault !== undefined;
  const code = modelled ? (awsErrorName(e) ?? 'Unknown') : typeof e.code === 'string' ? e.code : (e.name ?? 'Error');
  const throttled = isThrottlingError(e as Parameters<typeof isThrottlingError>[0]);
  const transient = isTransientError(e as Parameters<typeof isTransientError>[0]) || isServerError(e as Parameters<typeof isServerError>[0]) || e.$fault === 'server';
  return { code, throttled, retriable: throttled || transient };
}

/** Worth retrying: an error that says so (our typed errors), else the SDK's classification of it. */
export function isTransientAwsError(err: unknown): boolean {
  const marked = asObject(err) && 'retriable' in (err as object) ? (err as { retriable: unknown }).retriable : undefined;
  if (typeof marked === 'boolean') return marked;
  return classifyAwsError(err).retriable;
}
