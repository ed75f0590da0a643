// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { userEvent } from '../helpers/userEvent.ts';
import { clipText, decodeEventRecord } from '../../src/dashboard/decodeEventRecord.ts';
import { serializeEvent } from '../../src/events/eventSchema.ts';

const ev = userEvent;

describe('decodeEventRecord', () => {
  it('accepts a serialized event, including SQL metacharacters as plain data', () => {
    const e = ev({ fullName: "Robert'); DROP TABLE events;--", activityMetadata: '\\" OR 1=1 --' });
    const d = decodeEventRecord(Buffer.from(serializeEvent(e)));
    assert.ok(d.ok);
    assert.deepEqual(d.event, e);
  });

  const bad: Array<[string, Buffer, RegExp]> = [
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /not valid UTF-8/],
    ['not JSON', Buffer.from('hello'), /not valid JSON/],
    ['wrong type', Buffer.from(JSON.stringify({ ...ev(), userSeq: 'three' })), /userSeq/],
    ['missing field', Buffer.from(JSON.stringify({ ...ev(), userid: undefined })), /userid/],
    ['huge string', Buffer.from(JSON.stringify({ ...ev(), activityMetadata: 'x'.repeat(100_000) })), /activityMetadata/],
    ['lone surrogate', Buffer.from(JSON.stringify(ev()).replace('"N"', '"\\ud800"')), /lone surrogate/],
    ['array', Buffer.from('[1,2]'), /expected object/],
  ];
  for (const [name, data, reason] of bad) {
    it(`dead-letters ${name} with the reason and a clipped payload`, () => {
      const d = decodeEventRecord(data);
      assert.ok(!d.ok);
      assert.match(d.reason, reason);
      assert.ok(d.payload.length <= 4097 + 10);
    });
  }

  it('clips without splitting a surrogate pair', () => {
    const s = 'a'.repeat(9) + '😀' + 'b';
    assert.equal(clipText(s, 10), 'a'.repeat(9) + '…');
    assert.ok(clipText(s, 10).isWellFormed());
  });
});
