import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSchema } from '../../src/config/configSchema.ts';
import { sessionLimitsFor, type StoreUse } from '../../src/store/sessionLimitsFor.ts';

const config = (over: { db?: object; coordinator?: object } = {}) => configSchema.parse(over);

describe('sessionLimitsFor', () => {
  const cases: Array<[string, ReturnType<typeof config>, StoreUse, Partial<ReturnType<typeof sessionLimitsFor>>]> = [
    ['defaults: a silent session ends before its lease could be taken (10 s lease − 3 s renew)', config(), 'work', { queryTimeoutMs: 30_000, lockWaitTimeoutS: 5, idleSessionTimeoutS: 7, keepAliveMs: 30_000 }],
    ['lease statements: 1 s lock wait, replies within half a lease', config(), 'leases', { lockWaitTimeoutS: 1, queryTimeoutMs: 5_000, idleSessionTimeoutS: 7 }],
    ['a short lease still allows 2 s for a lease statement', config({ coordinator: { leaseDurationMs: 2_000, renewIntervalMs: 300 } }), 'leases', { queryTimeoutMs: 2_000, idleSessionTimeoutS: 1 }],
    ['a short query timeout bounds lease statements too', config({ db: { queryTimeoutMs: 1_000 } }), 'leases', { queryTimeoutMs: 1_000 }],
    ['setup and audit: an hour per statement', config(), 'long', { queryTimeoutMs: 3_600_000, lockWaitTimeoutS: 5 }],
    ['an explicit idle limit wins', config({ db: { idleSessionTimeoutSeconds: 60 } }), 'work', { idleSessionTimeoutS: 60 }],
    ['never below one second', config({ coordinator: { leaseDurationMs: 1_000, renewIntervalMs: 900 } }), 'work', { idleSessionTimeoutS: 1 }],
  ];
  for (const [name, c, use, want] of cases) {
    it(name, () => {
      const got = sessionLimitsFor(c, use);
      for (const [k, v] of Object.entries(want)) assert.equal(got[k as keyof typeof got], v, k);
    });
  }
});
