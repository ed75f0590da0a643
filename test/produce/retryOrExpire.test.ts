// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryOrExpire, type RetryInput } from '../../src/produce/retryOrExpire.ts';

const base: RetryInput = { now: 10_000, attempts: 1, bornAt: 9_000, recordTtlMs: 300_000, retryInitialMs: 100, retryMaxMs: 5_000, random: () => 0 };

describe('retryOrExpire', () => {
  const cases: Array<[string, Partial<RetryInput>, ReturnType<typeof retryOrExpire>]> = [
    ['first failure: retry after retryInitialMs', {}, { expire: false, notBefore: 10_100 }],
    ['the delay doubles with each attempt', { attempts: 3 }, { expire: false, notBefore: 10_400 }],
    ['capped at retryMaxMs', { attempts: 12 }, { expire: false, notBefore: 15_000 }],
    ['jitter shortens the delay by up to half', { attempts: 2, random: () => 1 }, { expire: false, notBefore: 10_100 }],
    ['one ms before the TTL it is still retried', { bornAt: 10_000 - 299_999 }, { expire: false, notBefore: 10_100 }],
    ['at the TTL it expires', { bornAt: 10_000 - 300_000 }, { expire: true, why: 'ttl' }],
    ['past the TTL it expires whatever the attempts', { bornAt: 0, recordTtlMs: 5_000, attempts: 1 }, { expire: true, why: 'ttl' }],
    ['a failure that is not retriable expires at once', { retriable: false }, { expire: true, why: 'not retriable' }],
    ['a retriable one is retried', { retriable: true }, { expire: false, notBefore: 10_100 }],
  ];
  for (const [name, change, want] of cases) it(name, () => assert.deepEqual(retryOrExpire({ ...base, ...change }), want));
});
