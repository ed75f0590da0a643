// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSendUrgent, type UrgencyInput } from '../../src/produce/isSendUrgent.ts';

const calm: UrgencyInput = { now: 1_000, flushing: false, bufferFull: false, unsentSince: 950, lingerMs: 100, queuedEvents: 10, queuedBytes: 3_000, aggregation: true };

describe('isSendUrgent', () => {
  const cases: Array<[string, Partial<UrgencyInput>, boolean]> = [
    ['a young, small backlog lingers', {}, false],
    ['nothing waiting lingers', { unsentSince: undefined, queuedEvents: 0, queuedBytes: 0 }, false],
    ['a flush waits for it', { flushing: true }, true],
    ['input is blocked on a full buffer', { bufferFull: true }, true],
    ['the oldest event has waited lingerMs exactly', { unsentSince: 900 }, true],
    ['one ms short of lingerMs', { unsentSince: 901 }, false],
    ['lingerMs 0 sends at once', { lingerMs: 0, unsentSince: 1_000 }, true],
    ['without aggregation, one full call of events', { aggregation: false, queuedEvents: 500 }, true],
    ['without aggregation, one short of a full call', { aggregation: false, queuedEvents: 499 }, false],
    ['with aggregation, 500 events are not yet enough', { queuedEvents: 500 }, false],
    ['with aggregation, 20 calls of events', { queuedEvents: 10_000 }, true],
    ['a full call of bytes', { queuedBytes: 5 * 1024 * 1024 }, true],
    ['one byte short of a full call', { queuedBytes: 5 * 1024 * 1024 - 1 }, false],
  ];
  for (const [name, change, want] of cases) it(name, () => assert.equal(isSendUrgent({ ...calm, ...change }), want));
});
