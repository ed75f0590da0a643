// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { decodeArchiveLine, encodeArchiveLine } from '../../src/archive/archiveLine.ts';
import { buildArchiveBody, readArchiveBody } from '../../src/archive/buildArchiveObject.ts';
import type { ConsumedRecord } from '../../src/kinesis/deaggregate.ts';
import { serializeEvent, type UserEvent } from '../../src/events/eventSchema.ts';

const event: UserEvent = { eventId: 'e-1', userid: 'u-1', fullName: 'Ada "Quote" Lovelace', gender: 'F', relationshipStatus: 'have cats', activityType: 'CommentAdded', activityMetadata: 'line\nbreak é', activityTimestamp: '2024-01-02T03:04:05.000Z', userSeq: 3 };
const rec = (data: Buffer, sub = 0): ConsumedRecord => ({ shardId: 'shardId-000000000000', seq: '4959', sub, last: true, partitionKey: 'u-1', data, arrivalMs: Date.parse('2024-01-02T03:04:06.789Z') });

describe('archive lines', () => {
  it('a valid event is stored as its own JSON with shard, sequence, sub-sequence, key and arrival', () => {
    const { line, invalid } = encodeArchiveLine(rec(Buffer.from(serializeEvent(event)), 2));
    assert.equal(invalid, false);
    assert.equal(line.includes('\n'), false);
    assert.equal(line, `{"shard":"shardId-000000000000","seq":"4959","sub":2,"partitionKey":"u-1","arrival":"2024-01-02T03:04:06.789Z","event":${serializeEvent(event)}}`);
    const back = decodeArchiveLine(line);
    assert.equal(JSON.stringify(back.event), serializeEvent(event), 'the event comes back byte for byte');
  });

  it('a pretty-printed event spanning lines is compacted, not split', () => {
    const { line, invalid } = encodeArchiveLine(rec(Buffer.from(JSON.stringify(event, null, 2))));
    assert.equal(invalid, false);
    assert.equal(line.includes('\n'), false);
    assert.deepEqual(decodeArchiveLine(line).event, event);
  });

  const bad = [
    { name: 'not JSON', data: Buffer.from('hello'), reason: /^not JSON/ },
    { name: 'JSON but not an event', data: Buffer.from('{"k":"user-1","n":3}'), reason: /^not an event: eventId/ },
    { name: 'invalid UTF-8', data: Buffer.from([0xff, 0xfe, 0x00, 0x41]), reason: /^not UTF-8$/ },
  ];
  for (const b of bad) {
    it(`${b.name}: kept raw with the reason`, () => {
      const { line, invalid } = encodeArchiveLine(rec(b.data));
      assert.equal(invalid, true);
      const back = decodeArchiveLine(line);
      assert.equal(back.event, null);
      assert.match(back.invalid!, b.reason);
      assert.deepEqual(Buffer.from(back.raw!, 'base64'), b.data);
    });
  }
});

describe('archive object bodies', () => {
  const lines = Array.from({ length: 50 }, (_, i) => encodeArchiveLine(rec(Buffer.from(serializeEvent({ ...event, eventId: `e-${i}` })), i)).line);

  it('gzip round-trips and is deterministic (no name, no mtime, fixed OS byte)', async () => {
    const a = await buildArchiveBody(lines, 'gzip');
    const b = await buildArchiveBody([...lines], 'gzip');
    assert.deepEqual(a.body, b.body);
    assert.equal(a.sha256, b.sha256);
    assert.equal(a.body.readUInt32LE(4), 0, 'mtime 0');
    assert.equal(a.body[3]! & 0x08, 0, 'no file name');
    assert.equal(a.body[9], 255);
    assert.deepEqual(readArchiveBody(a.body, 'gzip'), lines);
    assert.equal(gunzipSync(a.body).byteLength, a.rawBytes);
  });

  it('none stores the JSON Lines as they are', async () => {
    const a = await buildArchiveBody(lines, 'none');
    assert.equal(a.body.toString(), lines.join('\n') + '\n');
    assert.deepEqual(readArchiveBody(a.body, 'none'), lines);
  });
});
