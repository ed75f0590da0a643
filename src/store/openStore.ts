import type { Config } from '../config/configSchema.ts';
import { CentosError, UsageError } from '../errors.ts';
import { redactUrl } from '../log/createLogger.ts';
import { openMysqlStore, type SessionLimits } from './mysqlStore.ts';
import { sessionLimitsFor, type StoreUse } from './sessionLimitsFor.ts';
import { openSqliteStore } from './sqliteStore.ts';
import type { Store } from './Store.ts';

export interface OpenStoreOptions {
  password?: string;
  limits?: Partial<SessionLimits>;
  connectionLimit?: number;
  /**
   * Reads only: SQLite opened read-only and lazily (a missing file is "unreachable" until it
   * appears), MySQL on read-only sessions; execute and transaction are refused here too.
   */
  readOnly?: boolean;
}

/** A write was attempted through a read-only store. */
export class ReadOnlyStoreError extends CentosError {
  constructor(what: string) {
    super(`the database access is read-only here (refused ${what})`);
  }
}

/** Opens the Store `db.url` names: `mysql://…` or `sqlite:path`. */
export function openStore(url: string, options: OpenStoreOptions = {}): Store {
  const mysql = url.startsWith('mysql://');
  if (!mysql && !url.startsWith('sqlite:')) throw new UsageError([`invalid config: db.url: expected mysql://… or sqlite:…`]);
  const file = url.slice('sqlite:'.length);
  if (!options.readOnly) return mysql ? openMysqlStore(url, options) : openSqliteStore(file);
  let inner: Store | undefined;
  const get = () => (inner ??= mysql ? openMysqlStore(url, { connectionLimit: 4, ...options, readOnly: true }) : openSqliteStore(file, { readonly: true, busyTimeoutMs: 2_000 }));
  return {
    dialect: mysql ? 'mysql' : 'sqlite',
    description: mysql ? redactUrl(url) : url,
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

/**
 * The Store of the configuration's `db.url`, with the password from the environment when set and
 * the session limits of its use. `leases` is a small pool of its own, so renewals and heartbeats
 * never queue behind commits; `read` is read-only (the dashboard server).
 */
export function openConfiguredStore(settings: { config: Pick<Config, 'db' | 'coordinator'>; secrets: { dbPassword?: string } }, use: StoreUse | 'read' = 'work'): Store {
  return openStore(settings.config.db.url, {
    ...(settings.secrets.dbPassword ? { password: settings.secrets.dbPassword } : {}),
    ...(use === 'read' ? { readOnly: true } : { limits: sessionLimitsFor(settings.config, use) }),
    ...(use === 'leases' ? { connectionLimit: 2 } : {}),
  });
}
