// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventSchema } from '../../src/events/eventSchema.ts';
import { wellFormedEvent } from '../../src/events/wellFormedEvent.ts';
import { EventGenerator } from '../../src/generate/EventGenerator.ts';

const base = {
  eventId: 'e1',
  userid: 'ann@example.com',
  fullName: 'Ann "The Hammer" O\'Brien \\ 山田 😀',
  gender: 'F',
  relationshipStatus: 'have cats',
  activityType: 'TopicViewed',
  activityMetadata: 'http://macebook.com/a?b="c"&d=</script>',
  activityTimestamp: '2024-01-01T00:00:00.000Z',
  userSeq: 3,
};

/** The fast check either agrees with the schema exactly, or declines (and the schema decides). */
function assertAgrees(input: Record<string, unknown>, expectFast: boolean): void {
  const fast = wellFormedEvent(input);
  const schema = eventSchema.safeParse(input);
  if (fast === undefined) {
    assert.equal(expectFast, false, `fast path declined ${JSON.stringify(input)}`);
    return;
  }
  assert.ok(schema.success, `fast path accepted what the schema rejects: ${JSON.stringify(input)}`);
  assert.deepStrictEqual(fast, schema.data);
  assert.equal(JSON.stringify(fast), JSON.stringify(schema.data), 'same key order');
  assert.equal(expectFast, true, `fast path accepted ${JSON.stringify(input)}`);
}

describe('wellFormedEvent', () => {
  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ['a generated-style event', base, true],
    ['no userSeq', (({ userSeq: _, ...rest }) => rest)(base), true],
    ['userSeq present but undefined', { ...base, userSeq: undefined }, false],
    ['userSeq 0', { ...base, userSeq: 0 }, true],
    ['extra keys are dropped like the schema does', { ...base, extra: 1, ActivityMetadata: 'x' }, true],
    ['empty fullName and metadata', { ...base, fullName: '', activityMetadata: '' }, true],
    ['longest userid', { ...base, userid: 'u'.repeat(256) }, true],
    ['longest eventId', { ...base, eventId: 'e'.repeat(128) }, true],
    ['longest metadata', { ...base, activityMetadata: 'm'.repeat(8192) }, true],
    ['leap day', { ...base, activityTimestamp: '2024-02-29T23:59:59.999Z' }, true],
    // Declined: the schema decides (valid or not).
    ['legacy timestamp (valid, but left to the schema)', { ...base, activityTimestamp: '2017-01-01 10:00:00' }, false],
    ['timestamp without milliseconds', { ...base, activityTimestamp: '2024-01-01T00:00:00Z' }, false],
    ['timestamp with offset', { ...base, activityTimestamp: '2024-01-01T02:00:00.000+02:00' }, false],
    ['timestamp with 6 fraction digits', { ...base, activityTimestamp: '2024-01-01T00:00:00.000000Z' }, false],
    ['31 February', { ...base, activityTimestamp: '2024-02-31T00:00:00.000Z' }, false],
    ['hour 24', { ...base, activityTimestamp: '2024-01-01T24:00:00.000Z' }, false],
    ['month 13', { ...base, activityTimestamp: '2024-13-01T00:00:00.000Z' }, false],
    ['not a timestamp', { ...base, activityTimestamp: 'yesterday' }, false],
    ['numeric timestamp', { ...base, activityTimestamp: 1704067200000 }, false],
    ['missing eventId', { ...base, eventId: undefined }, false],
    ['empty eventId', { ...base, eventId: '' }, false],
    ['eventId too long', { ...base, eventId: 'e'.repeat(129) }, false],
    ['empty userid', { ...base, userid: '' }, false],
    ['userid too long', { ...base, userid: 'u'.repeat(257) }, false],
    ['numeric userid', { ...base, userid: 42 }, false],
    ['fullName too long', { ...base, fullName: 'n'.repeat(1025) }, false],
    ['null fullName', { ...base, fullName: null }, false],
    ['bad gender', { ...base, gender: 'X' }, false],
    ['lower-case gender', { ...base, gender: 'f' }, false],
    ['bad relationship status', { ...base, relationshipStatus: 'complicated' }, false],
    ['bad activity type', { ...base, activityType: 'Poked' }, false],
    ['missing metadata', { ...base, activityMetadata: undefined }, false],
    ['metadata too long', { ...base, activityMetadata: 'm'.repeat(8193) }, false],
    ['negative userSeq', { ...base, userSeq: -1 }, false],
    ['fractional userSeq', { ...base, userSeq: 1.5 }, false],
    ['unsafe userSeq', { ...base, userSeq: 2 ** 53 }, false],
    ['string userSeq', { ...base, userSeq: '3' }, false],
    ['null userSeq', { ...base, userSeq: null }, false],
    ['enum value from Object.prototype', { ...base, gender: 'constructor' }, false],
  ];
  for (const [name, input, expectFast] of cases) it(name, () => assertAgrees(input, expectFast));

  it('agrees with the schema on generated events and on every single-field corruption of them', () => {
    const gen = new EventGenerator({ seed: 5, users: 50, duplicates: 0, startMs: Date.parse('2024-01-01T00:00:00Z') });
    const bad: unknown[] = [undefined, null, '', 0, -1, 1.5, true, 'X', [], {}, '2024-01-01', 'x'.repeat(300)];
    for (let i = 0; i < 200; i++) {
      const e = JSON.parse(JSON.stringify(gen.next())) as Record<string, unknown>;
      assertAgrees(e, true);
      for (const key of Object.keys(base)) {
        const v = bad[i % bad.length];
        const corrupted = { ...e, [key]: v };
        assertAgrees(corrupted, eventSchema.safeParse(corrupted).success && !(key === 'userSeq' && v === undefined));
      }
    }
  });
});
