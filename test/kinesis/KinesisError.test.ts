// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AccessDeniedException,
  ExpiredIteratorException,
  ExpiredNextTokenException,
  InternalFailureException,
  InvalidArgumentException,
  KinesisServiceException,
  KMSAccessDeniedException,
  KMSThrottlingException,
  LimitExceededException,
  ProvisionedThroughputExceededException,
  ResourceInUseException,
  ResourceNotFoundException,
  ValidationException,
} from '@aws-sdk/client-kinesis';
import { awsErrorName, isTransientAwsError } from '../../src/aws/awsErrors.ts';
import { CentosError, describeCause } from '../../src/errors.ts';
import { classifyKinesisError, KinesisError, kinesisCall } from '../../src/kinesis/KinesisError.ts';

/** What the SDK's deserializer attaches to a service error: the HTTP status of the response. */
const meta = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'r-1', attempts: 1, totalRetryDelay: 0 });
const opts = (status: number) => ({ message: 'refused', $metadata: meta(status) });
const network = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });

interface Row {
  what: string;
  err: unknown;
  code: string;
  retriable: boolean;
  throttled: boolean;
  iteratorExpired?: boolean;
}

const table: Row[] = [
  { what: 'read throttled', err: new ProvisionedThroughputExceededException(opts(400)), code: 'ProvisionedThroughputExceededException', retriable: true, throttled: true },
  { what: 'control-plane quota', err: new LimitExceededException(opts(400)), code: 'LimitExceededException', retriable: true, throttled: true },
  { what: 'KMS throttled (encrypted stream)', err: new KMSThrottlingException(opts(400)), code: 'KMSThrottlingException', retriable: true, throttled: true },
  { what: 'iterator expired: a new iterator, not the same call', err: new ExpiredIteratorException(opts(400)), code: 'ExpiredIteratorException', retriable: false, throttled: false, iteratorExpired: true },
  { what: 'ListShards token expired: list again from the start', err: new ExpiredNextTokenException(opts(400)), code: 'ExpiredNextTokenException', retriable: true, throttled: false },
  { what: 'closed shard past retention / no stream', err: new ResourceNotFoundException(opts(400)), code: 'ResourceNotFoundException', retriable: false, throttled: false },
  { what: 'stream UPDATING', err: new ResourceInUseException(opts(400)), code: 'ResourceInUseException', retriable: false, throttled: false },
  { what: 'no permission', err: new AccessDeniedException(opts(400)), code: 'AccessDeniedException', retriable: false, throttled: false },
  { what: 'no KMS permission', err: new KMSAccessDeniedException(opts(400)), code: 'KMSAccessDeniedException', retriable: false, throttled: false },
  { what: 'bad argument', err: new InvalidArgumentException(opts(400)), code: 'InvalidArgumentException', retriable: false, throttled: false },
  { what: 'validation', err: new ValidationException(opts(400)), code: 'ValidationException', retriable: false, throttled: false },
  { what: 'service failure (500)', err: new InternalFailureException(opts(500)), code: 'InternalFailureException', retriable: true, throttled: false },
  { what: 'service failure, modelled as a server fault', err: new InternalFailureException({ message: 'x', $metadata: {} }), code: 'InternalFailureException', retriable: true, throttled: false },
  {
    what: 'unmodelled 503',
    err: new KinesisServiceException({ name: 'ServiceUnavailable', $fault: 'server', message: 'busy', $metadata: meta(503) }),
    code: 'ServiceUnavailable',
    retriable: true,
    throttled: false,
  },
  { what: 'unmodelled 429', err: new KinesisServiceException({ name: 'TooManyRequests', $fault: 'client', message: 'slow', $metadata: meta(429) }), code: 'TooManyRequests', retriable: true, throttled: true },
  { what: 'connection refused', err: network('ECONNREFUSED'), code: 'ECONNREFUSED', retriable: true, throttled: false },
  { what: 'connection reset', err: network('ECONNRESET'), code: 'ECONNRESET', retriable: true, throttled: false },
  { what: 'DNS', err: network('ENOTFOUND'), code: 'ENOTFOUND', retriable: true, throttled: false },
  { what: 'request timeout (node-http-handler)', err: Object.assign(new Error('timed out'), { name: 'TimeoutError' }), code: 'TimeoutError', retriable: true, throttled: false },
  { what: 'our own abort', err: Object.assign(new Error('aborted'), { name: 'AbortError' }), code: 'AbortError', retriable: false, throttled: false },
  { what: 'a bug', err: new TypeError("Cannot read properties of undefined (reading 'Records')"), code: 'TypeError', retriable: false, throttled: false },
  { what: 'a thrown string', err: 'boom', code: 'boom', retriable: false, throttled: false },
];

describe('KinesisError', () => {
  for (const row of table) {
    it(`classifies ${row.what}`, () => {
      const c = classifyKinesisError(row.err);
      assert.deepEqual(c, { code: row.code, retriable: row.retriable, throttled: row.throttled, iteratorExpired: row.iteratorExpired ?? false });
    });
  }

  it('carries the classification, the operation and the endpoint, and keeps the cause', () => {
    const cause = new ProvisionedThroughputExceededException({ message: 'Rate exceeded for shard shardId-000000000001', $metadata: meta(400) });
    const e = new KinesisError('GetRecords', 'http://127.0.0.1:4567', cause);
    assert.ok(e instanceof CentosError);
    assert.equal(e.retriable, true);
    assert.equal(e.throttled, true);
    assert.equal(e.iteratorExpired, false);
    assert.equal(e.awsCode, 'ProvisionedThroughputExceededException');
    assert.equal(e.operation, 'GetRecords');
    assert.equal(e.endpoint, 'http://127.0.0.1:4567');
    assert.equal(e.cause, cause);
    assert.match(e.message, /^Kinesis GetRecords at http:\/\/127\.0\.0\.1:4567: ProvisionedThroughputExceededException: Rate exceeded for shard shardId-000000000001$/);
    assert.equal(describeCause(e), e.message, "no class name in front of a message that says it all");
  });

  it('is read by the shared AWS helpers as the SDK error it wraps', () => {
    const gone = new KinesisError('PutRecords', 'http://127.0.0.1:9', new ResourceNotFoundException(opts(400)));
    assert.equal(awsErrorName(gone), 'ResourceNotFoundException');
    assert.equal(isTransientAwsError(gone), false);
    assert.equal(isTransientAwsError(new KinesisError('ListShards', 'http://127.0.0.1:9', network('ECONNREFUSED'))), true);
  });

  it('kinesisCall wraps what a call throws once, naming the operation and the endpoint', async () => {
    const endpoint = async () => 'https://kinesis.eu-west-1.amazonaws.com';
    const err = await kinesisCall('ListShards', endpoint, async () => {
      throw new LimitExceededException(opts(400));
    }).catch((e: unknown) => e);
    assert.ok(err instanceof KinesisError);
    assert.equal(err.operation, 'ListShards');
    assert.equal(err.endpoint, 'https://kinesis.eu-west-1.amazonaws.com');
    const again = await kinesisCall('GetRecords', endpoint, async () => {
      throw err;
    }).catch((e: unknown) => e);
    assert.equal(again, err);
    assert.equal(await kinesisCall('ListShards', endpoint, async () => 7), 7);
  });
});
