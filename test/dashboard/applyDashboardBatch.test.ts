import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ConsumedRecord } from '../../src/kinesis/deaggregate.ts';
import { applyDashboardBatch } from '../../src/dashboard/applyDashboardBatch.ts';
import { serializeEvent } from '../../src/events/eventSchema.ts';
import { EventGenerator } from '../../src/generate/EventGenerator.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openStore } from '../../src/store/openStore.ts';
import type { Store } from '../../src/store/Store.ts';
import { createTestDatabase } from '../helpers/testMysql.ts';

const gen = new EventGenerator({ seed: 31, users: 5, duplicates: 0, startMs: Date.parse('2024-01-01T00:00:00Z') });
const events = Array.from({ length: 1200 }, () => gen.next());
let seq = 1000;
const at = (shardId: string, e: (typeof events)[number]): ConsumedRecord => ({ shardId, seq: String(seq++), sub: 0, partitionKey: e.userid, data: Buffer.from(serializeEvent(e)), arrivalMs: 0, last: false });

async function exercise(store: Store): Promise<void> {
  await migrate(store);
  const apply = (records: ConsumedRecord[]) => store.transaction((tx) => applyDashboardBatch(tx, 'app', records, 1));
  // 1,200 new events: more than one 500-row chunk, each inserted whole.
  const first = await apply(events.map((e) => at('shard-a', e)));
  assert.deepEqual(first, { applied: 1200, duplicates: 0, outOfOrder: 0, deadLetters: 0 });
  // The same events again at new positions (a re-sent file), mixed with new ones, across chunks:
  // only the new ones count, and a chunk that lost rows is told apart by the stored positions.
  const more = Array.from({ length: 300 }, () => gen.next());
  const second = await apply([...events.slice(400, 1000), ...more].map((e) => at('shard-b', e)));
  assert.deepEqual(second, { applied: 300, duplicates: 600, outOfOrder: 0, deadLetters: 0 });
  const [n] = await store.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM events');
  assert.equal(Number(n!.n), 1500);
  const [c] = await store.query<{ n: number | string }>('SELECT SUM(event_count) AS n FROM users');
  assert.equal(Number(c!.n), 1500, 'every event counted once in the users');
  const [onB] = await store.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM events WHERE shard_id = 'shard-b'");
  assert.equal(Number(onB!.n), 300, 'the stored copy of a repeated event stays at its first position');
}

describe('applyDashboardBatch', () => {
  it('inserts each eventId once and counts repeats as duplicates (SQLite)', { timeout: 60_000 }, async () => {
    const store = openStore(`sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'centos-apply-')), 'd.db')}`);
    try {
      await exercise(store);
    } finally {
      await store.close();
    }
  });

  it('inserts each eventId once and counts repeats as duplicates (MySQL)', { timeout: 60_000 }, async (t) => {
    const db = await createTestDatabase();
    if (!db) return t.skip('no MySQL server');
    const store = openStore(db.url);
    try {
      await exercise(store);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
