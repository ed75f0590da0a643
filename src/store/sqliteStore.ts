import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { isSea } from 'node:sea';
import Database from 'better-sqlite3';
import { addonAssets, loadEmbeddedAddon } from '../sea/embeddedAddon.ts';
import type { ExecuteResult, SqlExecutor, Store } from './Store.ts';
import { StoreError } from './StoreError.ts';

type Statement = Database.Statement<unknown[]>;

function bindable(params: readonly unknown[]): unknown[] {
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p instanceof Date ? p.getTime() : p));
}

/**
 * SQLite through better-sqlite3 (WAL). One connection per process: statements are
 * serialised through a lock so a transaction never absorbs another caller's writes.
 */
export function openSqliteStore(file: string, options: { busyTimeoutMs?: number; readonly?: boolean } = {}): Store {
  const description = `sqlite:${file}`;
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let db: Database.Database;
  try {
    // In the single executable the addon is not on disk next to the package: hand it over loaded
    // (@types/better-sqlite3 lists only the path form; the library takes the addon object too).
    const nativeBinding = isSea() ? loadEmbeddedAddon(addonAssets.betterSqlite3) : undefined;
    db = new Database(file, { readonly: options.readonly ?? false, ...(nativeBinding ? { nativeBinding: nativeBinding as string } : {}) });
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
  } catch (err) {
    throw new StoreError(description, err);
  }

  const cache = new Map<string, Statement>();
  const prepare = (sql: string): Statement => {
    let s = cache.get(sql);
    if (!s) {
      s = db.prepare(sql);
      if (cache.size > 500) cache.clear();
      cache.set(sql, s);
    }
    return s;
  };
  const exec: SqlExecutor = {
    dialect: 'sqlite',
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      try {
        return prepare(sql).all(...bindable(params)) as T[];
      } catch (err) {
        throw new StoreError(description, err);
      }
    },
    async execute(sql: string, params: readonly unknown[] = []): Promise<ExecuteResult> {
      try {
        const s = prepare(sql);
        if (s.reader) {
          s.all(...bindable(params));
          return { affectedRows: 0 };
        }
        return { affectedRows: s.run(...bindable(params)).changes };
      } catch (err) {
        throw new StoreError(description, err);
      }
    },
  };

  let tail: Promise<unknown> = Promise.resolve();
  const locked = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };

  return {
    dialect: 'sqlite',
    description,
    query: (sql, params) => locked(() => exec.query(sql, params)),
    execute: (sql, params) => locked(() => exec.execute(sql, params)),
    // One in-process connection: nothing to abandon, and a statement cannot hang on a network.
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      return locked(async () => {
        await exec.execute('BEGIN IMMEDIATE');
        try {
          const result = await fn(exec);
          await exec.execute('COMMIT');
          return result;
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        }
      });
    },
    async close() {
      await locked(async () => db.close());
    },
  };
}
