import mysql from 'mysql2/promise';
import { redactUrl } from '../log/createLogger.ts';
import type { ExecuteResult, SqlExecutor, Store } from './Store.ts';
import { StoreError } from './StoreError.ts';

export interface MysqlTarget {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  ssl: boolean;
}

/** `mysql://user[:password]@host[:port]/database[?ssl=true]`; a password in the environment wins over none. */
export function parseMysqlUrl(url: string, password?: string): MysqlTarget {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const urlPassword = u.password ? decodeURIComponent(u.password) : undefined;
  const pw = urlPassword ?? password;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    ...(pw !== undefined ? { password: pw } : {}),
    database,
    ssl: u.searchParams.get('ssl') === 'true',
  };
}

function toExecuteResult(result: unknown): ExecuteResult {
  const header = result as { affectedRows?: number };
  return { affectedRows: header.affectedRows ?? 0 };
}

function executor(conn: mysql.Pool | mysql.PoolConnection, description: string): SqlExecutor {
  return {
    dialect: 'mysql',
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      try {
        const [rows] = await conn.query(sql, params as unknown[]);
        return rows as T[];
      } catch (err) {
        throw new StoreError(description, err);
      }
    },
    async execute(sql: string, params: readonly unknown[] = []): Promise<ExecuteResult> {
      try {
        const [result] = await conn.query(sql, params as unknown[]);
        return toExecuteResult(result);
      } catch (err) {
        throw new StoreError(description, err);
      }
    },
  };
}

/** MySQL / MariaDB / Aurora through a mysql2 pool. */
export function openMysqlStore(url: string, options: { password?: string; connectionLimit?: number; database?: string | null; readOnly?: boolean } = {}): Store {
  const t = parseMysqlUrl(url, options.password);
  const description = redactUrl(url);
  const database = options.database === null ? undefined : (options.database ?? t.database);
  const pool = mysql.createPool({
    host: t.host,
    port: t.port,
    user: t.user,
    ...(t.password !== undefined ? { password: t.password } : {}),
    ...(database ? { database } : {}),
    ...(t.ssl ? { ssl: { rejectUnauthorized: true } } : {}),
    connectionLimit: options.connectionLimit ?? 8,
    waitForConnections: true,
    connectTimeout: 5_000,
    flags: ['+FOUND_ROWS'],
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    charset: 'utf8mb4_unicode_ci',
    multipleStatements: false,
  });
  // READ COMMITTED: no gap locks, so concurrent upserts of neighbouring keys from different shards
  // do not deadlock. Every write centos makes is already serialised by its lease row. A reader's
  // session is also READ ONLY: the server refuses writes, so a bug in a reader cannot change data.
  pool.pool.on('connection', (conn) => {
    conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
    if (options.readOnly) conn.query('SET SESSION TRANSACTION READ ONLY');
  });
  const base = executor(pool, description);
  return {
    ...base,
    description,
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      let conn: mysql.PoolConnection;
      try {
        conn = await pool.getConnection();
      } catch (err) {
        throw new StoreError(description, err);
      }
      try {
        await conn.beginTransaction().catch((err: unknown) => {
          throw new StoreError(description, err);
        });
        const result = await fn(executor(conn, description));
        // A failed COMMIT is retriable like any statement: the transaction did not happen.
        await conn.commit().catch((err: unknown) => {
          throw new StoreError(description, err);
        });
        return result;
      } catch (err) {
        await conn.rollback().catch(() => undefined);
        throw err;
      } finally {
        conn.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}
