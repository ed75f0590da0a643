import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { mariadbAvailable, startThrowawayMariadb, type ThrowawayMariadb } from '../../tools/chaos/throwawayMariadb.ts';
import { openMysqlStore } from '../../src/store/mysqlStore.ts';
import type { Store } from '../../src/store/Store.ts';
import { isConnectionSpoiled, isRetriableDbError, StoreError } from '../../src/store/StoreError.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testMysql.ts';

const run = promisify(execFile);

describe('which database errors are retried, and which connections are thrown away', () => {
  const cases: Array<[string, object, boolean, boolean]> = [
    ['lock wait timeout', { code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205 }, true, false],
    ['deadlock', { code: 'ER_LOCK_DEADLOCK', errno: 1213 }, true, false],
    ['read-only server after a fail-over (1290)', { code: 'ER_OPTION_PREVENTS_STATEMENT', errno: 1290 }, true, true],
    ['read-only transaction (1792)', { code: 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION', errno: 1792 }, true, true],
    ['statement timeout', { code: 'PROTOCOL_SEQUENCE_TIMEOUT', errno: 'PROTOCOL_SEQUENCE_TIMEOUT' }, true, true],
    ['connection lost', { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }, true, true],
    ['reset by peer', { code: 'ECONNRESET', errno: -104, fatal: true }, true, true],
    ['server shutting down', { code: 'ER_SERVER_SHUTDOWN', errno: 1053 }, true, true],
    ['connection killed', { code: 'ER_CONNECTION_KILLED', errno: 1927 }, true, true],
    ['DNS of a cluster endpoint during a fail-over', { code: 'ENOTFOUND', errno: -3008 }, true, true],
    ['duplicate key', { code: 'ER_DUP_ENTRY', errno: 1062 }, false, false],
    ['SQL syntax', { code: 'ER_PARSE_ERROR', errno: 1064 }, false, false],
    ['TLS handshake', { code: 'HANDSHAKE_SSL_ERROR', fatal: true }, false, true],
  ];
  for (const [name, err, retriable, spoiled] of cases) {
    it(`${name}: retriable ${retriable}, connection destroyed ${spoiled}`, () => {
      assert.equal(isRetriableDbError(err), retriable);
      assert.equal(isConnectionSpoiled(err), spoiled);
      assert.equal(new StoreError('db', err).retriable, retriable);
    });
  }
});

const connectionId = async (s: Store) => Number((await s.query<{ id: number | string }>('SELECT CONNECTION_ID() AS id'))[0]!.id);

describe('bounded statements on MySQL', () => {
  let db: TestDatabase | undefined;
  const closers: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const c of closers.reverse()) await c();
    await db?.drop();
  });

  it('a statement past the query timeout fails retriably and its connection is destroyed, not reused', async (t) => {
    db = await createTestDatabase();
    if (!db) return t.skip('no MySQL server');
    const store = openMysqlStore(db.url, { connectionLimit: 1, limits: { queryTimeoutMs: 300 } });
    closers.push(() => store.close());
    const before = await connectionId(store);
    await assert.rejects(store.query('SELECT SLEEP(5)'), (err) => err instanceof StoreError && err.retriable && err.code === 'PROTOCOL_SEQUENCE_TIMEOUT');
    assert.notEqual(await connectionId(store), before, 'a fresh connection after the timeout');
  });

  it('a row lock held elsewhere: the statement gives up after the lock-wait timeout, retriably, and keeps its connection', async (t) => {
    if (!db) return t.skip('no MySQL server');
    const holder = openMysqlStore(db.url, { connectionLimit: 1 });
    const waiter = openMysqlStore(db.url, { connectionLimit: 1, limits: { lockWaitTimeoutS: 1 } });
    closers.push(() => holder.close(), () => waiter.close());
    await holder.execute('CREATE TABLE locked_row (id INT PRIMARY KEY, v INT) ENGINE=InnoDB');
    await holder.execute('INSERT INTO locked_row VALUES (1, 0)');
    const before = await connectionId(waiter);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holding = holder.transaction(async (tx) => {
      await tx.execute('UPDATE locked_row SET v = 1 WHERE id = 1');
      locked();
      await released;
    });
    await isLocked;
    await assert.rejects(waiter.execute('UPDATE locked_row SET v = 2 WHERE id = 1'), (err) => err instanceof StoreError && err.retriable && err.code === 'ER_LOCK_WAIT_TIMEOUT');
    release();
    await holding;
    assert.equal(await connectionId(waiter), before, 'contention is no reason to reconnect');
    assert.equal((await waiter.execute('UPDATE locked_row SET v = 2 WHERE id = 1')).affectedRows, 1);
  });

  it('connections left idle past the server\'s idle limit are replaced without an error reaching the caller', async (t) => {
    if (!db) return t.skip('no MySQL server');
    for (const connectionLimit of [1, 2]) {
      const store = openMysqlStore(db.url, { connectionLimit, limits: { idleSessionTimeoutS: 1 } });
      closers.push(() => store.close());
      const first = await connectionId(store);
      // Idle time is the point here: the server ends sessions silent for 1 s.
      await delay(2_500);
      assert.notEqual(await connectionId(store), first, `limit ${connectionLimit}: a new session after the idle limit`);
      await store.transaction((tx) => tx.query('SELECT 1'));
    }
  });

  it('a read-only transaction refusing a write (1792) is retriable and its connection destroyed', async (t) => {
    if (!db) return t.skip('no MySQL server');
    const reader = openMysqlStore(db.url, { connectionLimit: 1, readOnly: true });
    closers.push(() => reader.close());
    const before = await connectionId(reader);
    await assert.rejects(reader.execute('UPDATE locked_row SET v = 3 WHERE id = 1'), (err) => err instanceof StoreError && err.retriable && err.code === 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION');
    assert.notEqual(await connectionId(reader), before);
  });
});

describe('a writer demoted to read-only (fail-over), on a throwaway MariaDB', () => {
  let dir: string | undefined;
  let server: ThrowawayMariadb | undefined;
  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes fail retriably with 1290 on a destroyed connection, and succeed again once the server is writable', async (t) => {
    if (!(await mariadbAvailable())) return t.skip('MariaDB server binaries are not installed');
    dir = await mkdtemp(path.join(tmpdir(), 'centos-ro-'));
    server = await startThrowawayMariadb(dir);
    const root = (sql: string) => run('mariadb', ['--no-defaults', '--protocol=tcp', '-h', '127.0.0.1', '-P', String(server!.port), '-u', 'root', '-e', sql]);
    // An application user: without READ ONLY ADMIN, so read_only applies to it as it does on RDS.
    await root("CREATE USER 'app'@'127.0.0.1'; GRANT ALL ON centos.* TO 'app'@'127.0.0.1'; CREATE TABLE centos.t (id INT PRIMARY KEY) ENGINE=InnoDB");
    const store = openMysqlStore(`mysql://app@127.0.0.1:${server.port}/centos`, { connectionLimit: 1 });
    try {
      await store.execute('INSERT INTO t VALUES (1)');
      const before = await connectionId(store);
      await root('SET GLOBAL read_only = 1');
      await assert.rejects(store.transaction((tx) => tx.execute('INSERT INTO t VALUES (2)')), (err) => err instanceof StoreError && err.retriable && err.code === 'ER_OPTION_PREVENTS_STATEMENT');
      assert.notEqual(await connectionId(store), before, 'the connection to the demoted writer was not put back in the pool');
      await root('SET GLOBAL read_only = 0');
      await store.transaction((tx) => tx.execute('INSERT INTO t VALUES (2)'));
      assert.equal((await store.query('SELECT id FROM t')).length, 2);
    } finally {
      await store.close();
    }
  });
});
