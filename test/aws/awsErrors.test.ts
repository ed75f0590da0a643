// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessDenied, NoSuchKey, NoSuchUpload, S3ServiceException } from '@aws-sdk/client-s3';
import { awsErrorName, classifyAwsError, isTransientAwsError } from '../../src/aws/awsErrors.ts';
import { ObjectStoreError } from '../../src/archive/ObjectStore.ts';

const meta = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'r-1', attempts: 1, totalRetryDelay: 0 });
const s3Error = (name: string, status: number, fault: 'client' | 'server') => new S3ServiceException({ name, $fault: fault, message: name, $metadata: meta(status) });

describe('awsErrors (the SDK\'s own classification)', () => {
  const table: Array<{ what: string; err: unknown; code: string; retriable: boolean; throttled: boolean }> = [
    { what: 'S3 SlowDown', err: s3Error('SlowDown', 503, 'server'), code: 'SlowDown', retriable: true, throttled: true },
    { what: 'S3 InternalError', err: s3Error('InternalError', 500, 'server'), code: 'InternalError', retriable: true, throttled: false },
    { what: 'S3 RequestTimeout', err: s3Error('RequestTimeout', 400, 'client'), code: 'RequestTimeout', retriable: true, throttled: false },
    { what: 'S3 NoSuchKey', err: new NoSuchKey({ message: 'gone', $metadata: meta(404) }), code: 'NoSuchKey', retriable: false, throttled: false },
    { what: 'S3 NoSuchUpload', err: new NoSuchUpload({ message: 'gone', $metadata: meta(404) }), code: 'NoSuchUpload', retriable: false, throttled: false },
    { what: 'S3 AccessDenied', err: new AccessDenied({ message: 'no', $metadata: meta(403) }), code: 'AccessDenied', retriable: false, throttled: false },
    { what: 'network', err: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), code: 'ECONNREFUSED', retriable: true, throttled: false },
    { what: 'network, under a cause', err: new Error('upload failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }), code: 'Error', retriable: true, throttled: false },
    { what: 'a bug', err: new TypeError('x is not a function'), code: 'TypeError', retriable: false, throttled: false },
    { what: 'null', err: null, code: 'null', retriable: false, throttled: false },
  ];
  for (const row of table) {
    it(`classifies ${row.what}`, () => {
      assert.deepEqual(classifyAwsError(row.err), { code: row.code, retriable: row.retriable, throttled: row.throttled });
      assert.equal(isTransientAwsError(row.err), row.retriable);
    });
  }

  it('takes a typed error\'s own retriable flag and the code of what it wraps', () => {
    const wrapped = new ObjectStoreError('upload', 'k', s3Error('SlowDown', 503, 'server'), false);
    assert.equal(isTransientAwsError(wrapped), false);
    assert.equal(awsErrorName(new NoSuchKey({ message: 'gone', $metadata: meta(404) })), 'NoSuchKey');
  });
});
