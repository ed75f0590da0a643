const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_SOCKET_CONNECTION_TIMEOUT']);
const TRANSIENT_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'ThrottlingException',
  'InternalFailure',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'SlowDown',
  'KMSThrottlingException',
]);

/** The SDK error's name (`ResourceNotFoundException`, `NoSuchBucket`, …), or undefined. */
export function awsErrorName(err: unknown): string | undefined {
  const e = err as { name?: string; Code?: string };
  return e?.Code ?? e?.name;
}

export function httpStatusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function networkCode(err: unknown): string | undefined {
  let e = err as { code?: string; cause?: unknown; errors?: unknown[] } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (e.code) return e.code;
    e = (e.errors?.[0] ?? e.cause) as typeof e;
  }
  return undefined;
}

/** Worth retrying: the network, throttling, or a 5xx — not a refusal such as AccessDenied. */
export function isTransientAwsError(err: unknown): boolean {
  const code = networkCode(err);
  if (code && TRANSIENT_CODES.has(code)) return true;
  if (TRANSIENT_NAMES.has(awsErrorName(err) ?? '')) return true;
  const status = httpStatusOf(err);
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return (err as { $retryable?: unknown })?.$retryable !== undefined;
}
