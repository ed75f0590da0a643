import { CentosError } from '../errors.ts';
import { openMysqlStore } from '../store/mysqlStore.ts';
import { openSqliteStore } from '../store/sqliteStore.ts';
import type { Store } from '../store/Store.ts';
import { UsageError } from '../errors.ts';
import { redactUrl } from '../log/createLogger.ts';

/** A write was attempted through the dashboard server's read-only store. */
export class ReadOnlyStoreError extends CentosError {
  constructor(what: string) {
    super(`the dashboard server's database access is read-only (refused ${what})`);
  }
}

/**
 * The store the server reads through: SQLite opened read-only (lazily, so a missing file is
 * "unreachable" until it appears), MySQL on read-only sessions; writes are refused here too.
 */
export function openReadOnlyStore(url: string, options: { password?: string } = {}): Store {
  let inner: Store | undefined;
  let open: () => Store;
  if (url.startsWith('mysql://')) open = () => openMysqlStore(url, { ...options, readOnly: true, connectionLimit: 4 });
  else if (url.startsWith('sqlite:')) open = () => openSqliteStore(url.slice('sqlite:'.length), { readonly: true, busyTimeoutMs: 2_000 });
  else throw new UsageError(['invalid config: db.url: expected mysql://… or sqlite:…']);
  const get = () => (inner ??= open());
  return {
    get dialect() {
      return url.startsWith('mysql://') ? 'mysql' : 'sqlite';
    },
    description: url.startsWith('mysql://') ? redactUrl(url) : url,
    query: (sql, params) => get().query(sql, params),
    execute: async (sql) => {
      throw new ReadOnlyStoreError(sql.trim().split(/\s+/)[0] ?? 'a statement');
    },
    transaction: async () => {
      throw new ReadOnlyStoreError('a transaction');
    },
    async close() {
      await inner?.close();
      inner = undefined;
    },
  };
}
