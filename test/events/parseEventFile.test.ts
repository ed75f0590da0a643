// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { deterministicEventId } from '../../src/events/deterministicEventId.ts';
import { eventSchema, serializeEvent, type UserEvent } from '../../src/events/eventSchema.ts';
import { FileFormatError, parseEventFile } from '../../src/events/parseEventFile.ts';

const LEGACY_DIR = new URL('../fixtures/legacy-centos/', import.meta.url).pathname;
const legacyFiles = readdirSync(LEGACY_DIR).filter((f) => f.endsWith('.json'));

const good: UserEvent = {
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

describe('legacy input files', () => {
  it('finds the two original fixtures', () => assert.equal(legacyFiles.length, 2));

  for (const name of legacyFiles) {
    it(`accepts ${name} unchanged`, () => {
      const file = path.join(LEGACY_DIR, name);
      const text = readFileSync(file, 'utf8');
      const raw = JSON.parse(text) as Array<Record<string, string>>;
      const parsed = parseEventFile(text, file);
      assert.equal(parsed.format, 'json-array');
      assert.deepEqual(parsed.invalid, []);
      assert.equal(parsed.records.length, raw.length);
      parsed.records.forEach(({ position, event }, i) => {
        assert.equal(position, i);
        assert.equal(event.userid, raw[i]!.userid);
        assert.equal(event.activityMetadata, raw[i]!.ActivityMetadata, 'ActivityMetadata is kept');
        assert.equal(event.activityTimestamp, raw[i]!.activityTimestamp!.replace(' ', 'T') + '.000Z', 'read as UTC');
        assert.equal(event.eventId, deterministicEventId(file, i));
      });
      assert.equal(new Set(parsed.records.map((r) => r.event.eventId)).size, raw.length, 'ids are unique');
    });
  }

  it('derives the same ids wherever the file lives, and different ids for other names or positions', () => {
    assert.equal(deterministicEventId('/a/watch/f.json', 7), deterministicEventId('/b/done/f.json', 7));
    assert.notEqual(deterministicEventId('f.json', 7), deterministicEventId('f.json', 8));
    assert.notEqual(deterministicEventId('f.json', 7), deterministicEventId('g.json', 7));
    assert.match(deterministicEventId('f.json', 0), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('parseEventFile', () => {
  it('reads JSON Lines, skipping blank lines, with invalid lines as dead letters', () => {
    const text = [serializeEvent(good), '', '{not json', JSON.stringify({ ...good, eventId: 'e2', gender: 'X' }), serializeEvent({ ...good, eventId: 'e3' })].join('\n');
    const parsed = parseEventFile(text, 'in.jsonl');
    assert.equal(parsed.format, 'json-lines');
    assert.deepEqual(parsed.records.map((r) => [r.position, r.event.eventId]), [[0, 'e1'], [3, 'e3']]);
    assert.equal(parsed.invalid.length, 2);
    assert.equal(parsed.invalid[0]!.position, 1);
    assert.match(parsed.invalid[0]!.reason, /not valid JSON/);
    assert.equal(parsed.invalid[1]!.position, 2);
    assert.match(parsed.invalid[1]!.reason, /^gender: /);
  });

  it('round-trips hostile strings through serializeEvent', () => {
    const parsed = parseEventFile('[' + serializeEvent(good) + ']', 'x.json');
    assert.deepEqual(parsed.records[0]!.event, good);
  });

  it('gives each bad field a reason', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ userid: '' }, /userid: /],
      [{ userid: 'u'.repeat(257) }, /userid: /],
      [{ activityType: 'Poked' }, /activityType: /],
      [{ relationshipStatus: 'complicated' }, /relationshipStatus: /],
      [{ activityTimestamp: '2024-13-45' }, /activityTimestamp: expected an ISO-8601/],
      [{ activityTimestamp: '2024-01-01T00:00:00' }, /activityTimestamp: /],
      [{ userSeq: -1 }, /userSeq: /],
      [{ fullName: 42 }, /fullName: /],
    ];
    for (const [patch, reason] of cases) {
      const parsed = parseEventFile(JSON.stringify([{ ...good, ...patch }]), 'x.json');
      assert.equal(parsed.records.length, 0, JSON.stringify(patch));
      assert.match(parsed.invalid[0]!.reason, reason);
    }
    const notObject = parseEventFile('[1, null, "s"]', 'x.json');
    assert.deepEqual(notObject.invalid.map((i) => i.reason), ['expected a JSON object, got number', 'expected a JSON object, got null', 'expected a JSON object, got string']);
  });

  it('normalises time zones to UTC ISO strings', () => {
    const e = eventSchema.parse({ ...good, activityTimestamp: '2024-01-01T02:00:00+02:00' });
    assert.equal(e.activityTimestamp, '2024-01-01T00:00:00.000Z');
  });

  it('rejects a whole file that is not events', () => {
    assert.throws(() => parseEventFile('[{"a": 1},', 'x.json'), FileFormatError);
    assert.throws(() => parseEventFile('hello', 'x.json'), /expected a JSON array of events or JSON Lines/);
    assert.deepEqual(parseEventFile('', 'x.json').records, []);
  });

  it('keeps the whole raw record in a dead letter, however large: it is the only trace of the event', () => {
    const line = JSON.stringify({ ...good, gender: 'Z', fullName: 'x'.repeat(10_000) });
    const parsed = parseEventFile(line + '\n', 'x.jsonl');
    assert.equal(parsed.invalid[0]!.raw, line);
  });

  it('dead-letters a record with fields centos does not know, naming them, instead of dropping them', () => {
    const big = { ...good, eventId: 'b', blob: 'x'.repeat(2_000_000), source: 'app' };
    const parsed = parseEventFile(JSON.stringify([good, big]), 'x.json');
    assert.equal(parsed.records.length, 1);
    assert.equal(parsed.invalid.length, 1);
    assert.match(parsed.invalid[0]!.reason, /unknown fields "blob", "source"/);
    assert.equal(parsed.invalid[0]!.raw.length, JSON.stringify(big).length);
    // The original project's capitalised field is known.
    const { activityMetadata, ...legacy } = good;
    assert.equal(parseEventFile(JSON.stringify([{ ...legacy, ActivityMetadata: activityMetadata }]), 'x.json').invalid.length, 0);
  });

  it('tells a file cut short from a broken one', () => {
    const two = JSON.stringify([good, { ...good, eventId: 'b' }]);
    for (const cut of [1, 10, two.length / 2, two.length - 1]) {
      assert.throws(() => parseEventFile(two.slice(0, cut), 'x.json'), (err: unknown) => err instanceof FileFormatError && err.endsMidRecord, `cut at ${cut}`);
    }
    assert.throws(() => parseEventFile('[{"a" 1}]', 'x.json'), (err: unknown) => err instanceof FileFormatError && !err.endsMidRecord);
    assert.throws(() => parseEventFile(two + 'x', 'x.json'), (err: unknown) => err instanceof FileFormatError && !err.endsMidRecord);

    const lines = `${JSON.stringify(good)}\n${JSON.stringify({ ...good, eventId: 'b' })}\n`;
    const cut = parseEventFile(lines.slice(0, lines.length - 20), 'x.jsonl');
    assert.deepEqual([cut.records.length, cut.invalid.length, cut.cutTail?.position], [1, 0, 1]);
    assert.match(cut.cutTail!.reason, /ends mid-record/);
    // A broken line in the middle is invalid, not a cut tail; a complete last line without its newline is fine.
    const middle = parseEventFile(`{"broken\n${JSON.stringify(good)}`, 'x.jsonl');
    assert.deepEqual([middle.records.length, middle.invalid.length, middle.cutTail], [1, 1, undefined]);
  });

  it('reads an empty or whitespace-only file as empty', () => {
    for (const text of ['', '  \n\t\n', '\ufeff']) assert.deepEqual(parseEventFile(text, 'x.json'), { format: 'empty', records: [], invalid: [] });
  });
});
