import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { UsageError } from '../errors.ts';
import { redactUrl } from '../log/createLogger.ts';
import type { ExecuteResult, SqlExecutor, Store, TransactionOptions } from './Store.ts';
import { isConnectionSpoiled, StoreError } from './StoreError.ts';
import { parseMysqlUrl, tlsFailureHint, type MysqlTarget } from './parseMysqlUrl.ts';

export { parseMysqlUrl, type MysqlTarget } from './parseMysqlUrl.ts';

/** What bounds each session and statement, so a hung connection or a stuck peer never stalls a worker for long. */
export interface SessionLimits {
  /** A statement without a reply after this long fails (retriable) and its connection is destroyed. */
  queryTimeoutMs: number;
  /** InnoDB waits this long for a row lock before the statement fails (retriable), in whole seconds. */
  lockWaitTimeoutS: number;
  /** The server ends a session silent this long, rolling back its open transaction and freeing its locks, in whole seconds. */
  idleSessionTimeoutS: number;
  /** TCP keep-alive starts probing a silent connection after this long. */
  keepAliveMs: number;
  connectTimeoutMs: number;
}

export const defaultSessionLimits: SessionLimits = { queryTimeoutMs: 30_000, lockWaitTimeoutS: 5, idleSessionTimeoutS: 300, keepAliveMs: 30_000, connectTimeoutMs: 5_000 };

export interface MysqlStoreOptions {
  password?: string;
  connectionLimit?: number;
  database?: string | null;
  readOnly?: boolean;
  limits?: Partial<SessionLimits>;
}

function toExecuteResult(result: unknown): ExecuteResult {
  const header = result as { affectedRows?: number };
  return { affectedRows: header.affectedRows ?? 0 };
}

class AbortedStatement extends Error {
  readonly code = 'PROTOCOL_SEQUENCE_TIMEOUT';
  constructor() {
    super('statement abandoned: the caller gave up on it (lease lost)');
  }
}

/** A statement settles by its own reply, by the driver's timeout, or when `signal` aborts, whichever comes first. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new AbortedStatement());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortedStatement());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** MySQL / MariaDB / RDS / Aurora through a mysql2 pool; every statement bounded by `limits`. */
export function openMysqlStore(url: string, options: MysqlStoreOptions = {}): Store {
  const t = parseMysqlUrl(url, options.password);
  const limits: SessionLimits = { ...defaultSessionLimits, ...options.limits };
  const description = redactUrl(url);
  const database = options.database === null ? undefined : (options.database ?? t.database);
  const connectionLimit = options.connectionLimit ?? 8;
  const pool = mysql.createPool({
    host: t.host,
    port: t.port,
    user: t.user,
    ...(t.password !== undefined ? { password: t.password } : {}),
    ...(database ? { database } : {}),
    ...(t.tls.kind !== 'none' ? { ssl: sslOptions(t) } : {}),
    connectionLimit,
    // Close connections idle for a third of the server's idle limit, before the server would.
    // (mysql2 closes every free connection beyond maxIdle each second, and runs no clean-up at all
    // when maxIdle equals the limit: a single-connection pool is left to the server's limit.)
    maxIdle: Math.max(1, connectionLimit - 1),
    idleTimeout: Math.max(1_000, Math.floor((limits.idleSessionTimeoutS * 1000) / 3)),
    waitForConnections: true,
    connectTimeout: limits.connectTimeoutMs,
    enableKeepAlive: true,
    keepAliveInitialDelay: limits.keepAliveMs,
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
  // wait_timeout: a session whose client went silent (partitioned, frozen) mid-transaction is ended
  // by the server, which rolls it back and frees the lease row it locked.
  const ignore = () => undefined;
  pool.pool.on('connection', (conn) => {
    conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', ignore);
    conn.query(`SET SESSION innodb_lock_wait_timeout = ${Math.max(1, Math.floor(limits.lockWaitTimeoutS))}, wait_timeout = ${Math.max(1, Math.floor(limits.idleSessionTimeoutS))}`, ignore);
    if (options.readOnly) conn.query('SET SESSION TRANSACTION READ ONLY', ignore);
  });

  const fail = (err: unknown): StoreError => new StoreError(description, tlsFailureHint(err, t));
  const acquire = async (): Promise<mysql.PoolConnection> => {
    try {
      return await pool.getConnection();
    } catch (err) {
      throw fail(err);
    }
  };

  /** Statements on one checked-out connection; a driver error that spoils it marks it for destruction. */
  function onConnection(conn: mysql.PoolConnection, signal?: AbortSignal) {
    let spoiled = false;
    const run = async (sql: string, params: readonly unknown[]): Promise<unknown> => {
      try {
        const [result] = await untilAborted(conn.query({ sql, timeout: limits.queryTimeoutMs }, params as unknown[]), signal);
        return result;
      } catch (err) {
        if (isConnectionSpoiled(err)) spoiled = true;
        throw fail(err);
      }
    };
    const exec: SqlExecutor = {
      dialect: 'mysql',
      async query<T>(sql: string, params: readonly unknown[] = []) {
        return (await run(sql, params)) as T[];
      },
      async execute(sql: string, params: readonly unknown[] = []) {
        return toExecuteResult(await run(sql, params));
      },
    };
    return {
      exec,
      /** Back to the pool, or destroyed when it broke, hung, or points at a read-only server. */
      done() {
        if (spoiled) conn.destroy();
        else conn.release();
      },
      get spoiled() {
        return spoiled;
      },
    };
  }

  const single = async <T>(fn: (x: SqlExecutor) => Promise<T>): Promise<T> => {
    const c = onConnection(await acquire());
    try {
      return await fn(c.exec);
    } finally {
      c.done();
    }
  };

  return {
    dialect: 'mysql',
    description,
    query: (sql, params) => single((x) => x.query(sql, params)),
    execute: (sql, params) => single((x) => x.execute(sql, params)),
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, o: TransactionOptions = {}): Promise<T> {
      const c = onConnection(await acquire(), o.signal);
      try {
        await c.exec.execute('START TRANSACTION');
        const result = await fn(c.exec);
        // A failed COMMIT is retriable, but may have committed (the reply was lost): callers make
        // a repeated transaction harmless (see LeaseStore.fencedCommit).
        await c.exec.execute('COMMIT');
        return result;
      } catch (err) {
        if (!c.spoiled) await c.exec.execute('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        c.done();
      }
    },
    async close() {
      await pool.end();
    },
  };
}

function sslOptions(t: MysqlTarget): string | mysql.SslOptions {
  const tls = t.tls;
  if (tls.kind === 'profile') return tls.name;
  if (tls.kind === 'none') return {};
  const ca = tls.kind === 'ca-file' ? readCaFile(tls.path) : undefined;
  return {
    ...(ca ? { ca } : {}),
    rejectUnauthorized: true,
    // verify-ca: the chain is checked, the host name is not (e.g. connecting through an IP or a tunnel).
    ...(tls.mode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}),
  };
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError([`invalid config: db.url: ssl-ca=${path}: cannot read the CA bundle (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
}
