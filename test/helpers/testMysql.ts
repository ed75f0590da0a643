import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate } from '../../src/store/migrate.ts';
import { openMysqlStore } from '../../src/store/mysqlStore.ts';
import { openStore } from '../../src/store/openStore.ts';
import type { Store } from '../../src/store/Store.ts';

export const TEST_MYSQL_URL = process.env.CENTOS_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty MySQL database for one test. Undefined (with a loud message) when no server
 * answers outside CI; in CI (CI=true) an unreachable server fails the test.
 */
export async function createTestDatabase(): Promise<TestDatabase | undefined> {
  const server = openMysqlStore(TEST_MYSQL_URL, { database: null, connectionLimit: 1 });
  const name = `centos_t_${randomBytes(5).toString('hex')}`;
  try {
    await server.execute(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  } catch (err) {
    await server.close().catch(() => undefined);
    if (process.env.CI === 'true') throw new Error(`MySQL at ${TEST_MYSQL_URL} is required in CI: ${(err as Error).message}`);
    process.stderr.write(`\n!!! SKIPPING MySQL tests: no server at ${TEST_MYSQL_URL} (${(err as Error).message}); set CENTOS_TEST_MYSQL_URL\n\n`);
    return undefined;
  }
  const u = new URL(TEST_MYSQL_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      await server.execute(`DROP DATABASE IF EXISTS \`${name}\``).catch(() => undefined);
      await server.close();
    },
  };
}

/**
 * A migrated store on `dialect` for one test: a fresh SQLite file or a fresh MySQL database
 * (undefined, and the test skipped, without MySQL outside CI). `close()` also drops the database.
 */
export async function migratedStore(dialect: 'sqlite' | 'mysql', t: { skip(msg: string): void }): Promise<{ store: Store; close(): Promise<void> } | undefined> {
  let url = `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'centos-db-')), 't.db')}`;
  let db: TestDatabase | undefined;
  if (dialect === 'mysql') {
    db = await createTestDatabase();
    if (!db) {
      t.skip('no MySQL server');
      return undefined;
    }
    url = db.url;
  }
  const store = openStore(url);
  await migrate(store);
  return {
    store,
    async close() {
      await store.close();
      await db?.drop();
    },
  };
}
