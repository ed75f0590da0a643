// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextWakeAt, type WakeInput } from '../../src/produce/nextWakeAt.ts';

const idle: WakeInput = { now: 1_000, callSlotFree: true, earliestRetryAt: Infinity, queuedEvents: 0, urgent: false, unsentSince: undefined, lingerMs: 100, bucketWaitMs: Infinity };

describe('nextWakeAt', () => {
  const cases: Array<[string, Partial<WakeInput>, number]> = [
    ['nothing to wait for: no timer', {}, Infinity],
    ['a retry falls due later', { earliestRetryAt: 1_250 }, 1_250],
    ['a retry already due wakes 1 ms ahead, never in the past', { earliestRetryAt: 400 }, 1_001],
    ['lingering events go when they reach lingerMs', { queuedEvents: 3, unsentSince: 980 }, 1_080],
    ['urgent events do not wait for lingerMs', { queuedEvents: 3, unsentSince: 980, urgent: true }, Infinity],
    ['tokens refill', { bucketWaitMs: 40 }, 1_040],
    ['tokens refill "now" still waits 1 ms', { bucketWaitMs: 0 }, 1_001],
    ['the earliest reason wins', { earliestRetryAt: 1_500, queuedEvents: 1, unsentSince: 950, bucketWaitMs: 70 }, 1_050],
    ['every call slot busy: the next acknowledgement wakes it', { callSlotFree: false, earliestRetryAt: 1_100, bucketWaitMs: 5 }, Infinity],
  ];
  for (const [name, change, want] of cases) it(name, () => assert.equal(nextWakeAt({ ...idle, ...change }), want));
});
