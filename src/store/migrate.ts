import { CentosError } from '../errors.ts';
import { migrations as allMigrations, type Migration, type MigrationStep } from './migrations.ts';
import type { SqlExecutor, Store } from './Store.ts';

export interface MigrateResult {
  applied: number[];
  current: number;
}

const LOCK = 'centos_migrations';

/** Runs one step; an index the catalogue already lists (a setup that died after creating it) is left alone. */
async function applyStep(tx: SqlExecutor, step: MigrationStep): Promise<void> {
  if (typeof step === 'string') {
    await tx.execute(step);
    return;
  }
  if (tx.dialect === 'sqlite') {
    await tx.execute(`CREATE INDEX IF NOT EXISTS ${step.index} ON ${step.table} (${step.columns})`);
    return;
  }
  const [found] = await tx.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ?', [step.table, step.index]);
  if (Number(found?.n) === 0) await tx.execute(`CREATE INDEX ${step.index} ON ${step.table} (${step.columns})`);
}

async function applyPending(tx: SqlExecutor, migrations: Migration[]): Promise<MigrateResult> {
  const done = new Set((await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    for (const step of m.up[tx.dialect]) await applyStep(tx, step);
    await tx.execute('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, Date.now()]);
    applied.push(m.version);
  }
  return { applied, current: Math.max(0, ...done, ...applied) };
}

/** Applies pending migrations in order, once, even with several `setup`s racing. */
export async function migrate(store: Store, migrations: Migration[] = allMigrations): Promise<MigrateResult> {
  const ddl =
    store.dialect === 'mysql'
      ? 'CREATE TABLE IF NOT EXISTS schema_migrations (version INT NOT NULL PRIMARY KEY, name VARCHAR(191) NOT NULL, applied_at BIGINT NOT NULL) ENGINE=InnoDB'
      : 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)';
  await store.execute(ddl);

  // SQLite DDL is transactional: the whole run is one write transaction.
  if (store.dialect === 'sqlite') return store.transaction((tx) => applyPending(tx, migrations));

  // MySQL commits each DDL statement by itself; a named lock keeps concurrent runs apart.
  return store.transaction(async (tx) => {
    const [lock] = await tx.query<{ got: number | string | null }>('SELECT GET_LOCK(?, 60) AS got', [LOCK]);
    if (Number(lock?.got) !== 1) throw new CentosError(`timed out after 60 s waiting for another setup to finish migrating ${store.description} (lock ${LOCK})`);
    try {
      return await applyPending(tx, migrations);
    } finally {
      await tx.query('SELECT RELEASE_LOCK(?)', [LOCK]);
    }
  });
}
