// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admitSubscribe, AWS_SUBSCRIBE_RULES, subscriptionExpired, type SubscriptionSlot } from '../../src/local/subscribeAdmission.ts';

describe('admitSubscribe: one call per second per consumer and shard, one active subscription, takeover after 5 s', () => {
  const cases: Array<[string, SubscriptionSlot, number, string, SubscriptionSlot]> = [
    ['first call', {}, 10_000, 'subscribe', { lastCallAt: 10_000, activeSince: 10_000 }],
    ['999 ms after the previous call', { lastCallAt: 9_001 }, 10_000, 'LimitExceededException', { lastCallAt: 9_001 }],
    ['1000 ms after the previous call, none active', { lastCallAt: 9_000 }, 10_000, 'subscribe', { lastCallAt: 10_000, activeSince: 10_000 }],
    ['while one started 2 s ago streams', { lastCallAt: 8_000, activeSince: 8_000 }, 10_000, 'ResourceInUseException', { lastCallAt: 10_000, activeSince: 8_000 }],
    ['while one started 4999 ms ago streams', { lastCallAt: 5_001, activeSince: 5_001 }, 10_000, 'ResourceInUseException', { lastCallAt: 10_000, activeSince: 5_001 }],
    ['while one started 5 s ago streams: takes it over', { lastCallAt: 5_000, activeSince: 5_000 }, 10_000, 'takeover', { lastCallAt: 10_000, activeSince: 10_000 }],
    ['the 1/s rule comes first', { lastCallAt: 9_500, activeSince: 1_000 }, 10_000, 'LimitExceededException', { lastCallAt: 9_500, activeSince: 1_000 }],
  ];
  for (const [name, slot, now, verdict, after] of cases)
    it(name, () => {
      const a = admitSubscribe(slot, now, AWS_SUBSCRIBE_RULES);
      assert.equal(a.verdict, verdict);
      assert.deepEqual(a.slot, after);
    });

  it('a subscription ends when its lifetime is over, not before', () => {
    assert.equal(subscriptionExpired(0, 299_999, 300_000), false);
    assert.equal(subscriptionExpired(0, 300_000, 300_000), true);
  });
});
