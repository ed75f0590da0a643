import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { migrate } from '../../src/store/migrate.ts';
import { migrations, type MigrationStep } from '../../src/store/migrations.ts';
import { openStore } from '../../src/store/openStore.ts';
import type { Store } from '../../src/store/Store.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testMysql.ts';

/** What setup leaves behind: tables, their columns and their indexes. */
async function catalogue(store: Store): Promise<string[]> {
  const cols = await store.query<{ t: string; c: string }>('SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()');
  const idx = await store.query<{ t: string; i: string; c: string }>('SELECT TABLE_NAME AS t, INDEX_NAME AS i, COLUMN_NAME AS c FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()');
  return [...cols.map((r) => `column ${r.t}.${r.c}`), ...idx.map((r) => `index ${r.t}.${r.i}.${r.c}`)].sort();
}

/** The MySQL statement a step runs on a fresh database. */
const sqlOf = (step: MigrationStep) => (typeof step === 'string' ? step : `CREATE INDEX ${step.index} ON ${step.table} (${step.columns})`);

describe('migrations on MySQL', () => {
  const dbs: TestDatabase[] = [];
  after(async () => {
    for (const d of dbs) await d.drop();
  });

  it('a setup that died between any two DDL steps is completed by the next one, to the same schema', async (t) => {
    const clean = await createTestDatabase();
    if (!clean) return t.skip('no MySQL server');
    dbs.push(clean);
    const reference = openStore(clean.url);
    await migrate(reference);
    const want = await catalogue(reference);
    await reference.close();

    const steps = migrations.flatMap((m) => m.up.mysql);
    // Every cut point that leaves DDL applied but its migration unrecorded.
    for (let cut = 1; cut < steps.length; cut++) {
      const db = (await createTestDatabase())!;
      dbs.push(db);
      const store = openStore(db.url);
      try {
        for (const step of steps.slice(0, cut)) await store.execute(sqlOf(step));
        const r = await migrate(store);
        assert.deepEqual(r.applied, migrations.map((m) => m.version), `after a death at step ${cut}`);
        assert.deepEqual(await catalogue(store), want, `schema after a death at step ${cut}`);
        assert.deepEqual((await migrate(store)).applied, [], 'and once more: nothing left to do');
      } finally {
        await store.close();
      }
    }
  });
});
