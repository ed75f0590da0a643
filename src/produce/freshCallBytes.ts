/**
 * How many bytes of new records the next PutRecords call may take. With one call slot free it
 * takes all it can (up to the PutRecords limit). With several free, the ready backlog is spread
 * over them: in strict order a call holds every key it touches until it is acknowledged, so one
 * call that swallowed every key would leave nothing for the others, and the client would sit idle
 * while Kinesis works on it. Spread over disjoint keys, the next call is built and sent while the
 * previous one is in flight. `minBytes` keeps calls from shrinking into many tiny ones.
 */
export function freshCallBytes(readyBytes: number, freeCalls: number, minBytes: number, maxBytes: number): number {
  if (freeCalls <= 1) return maxBytes;
  return Math.min(maxBytes, Math.max(minBytes, Math.ceil(readyBytes / freeCalls)));
}
