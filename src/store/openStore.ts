import type { Config } from '../config/configSchema.ts';
import { UsageError } from '../errors.ts';
import { openMysqlStore, type SessionLimits } from './mysqlStore.ts';
import { sessionLimitsFor, type StoreUse } from './sessionLimitsFor.ts';
import { openSqliteStore } from './sqliteStore.ts';
import type { Store } from './Store.ts';

/** Opens the Store `db.url` names: `mysql://…` or `sqlite:path`. */
export function openStore(url: string, options: { password?: string; limits?: Partial<SessionLimits>; connectionLimit?: number } = {}): Store {
  if (url.startsWith('mysql://')) return openMysqlStore(url, options);
  if (url.startsWith('sqlite:')) return openSqliteStore(url.slice('sqlite:'.length));
  throw new UsageError([`invalid config: db.url: expected mysql://… or sqlite:…`]);
}

/**
 * The Store of the configuration's `db.url`, with the password from the environment when set and
 * the session limits of its use. `leases` is a small pool of its own, so renewals and heartbeats
 * never queue behind commits.
 */
export function openConfiguredStore(settings: { config: Pick<Config, 'db' | 'coordinator'>; secrets: { dbPassword?: string } }, use: StoreUse = 'work'): Store {
  return openStore(settings.config.db.url, {
    ...(settings.secrets.dbPassword ? { password: settings.secrets.dbPassword } : {}),
    limits: sessionLimitsFor(settings.config, use),
    ...(use === 'leases' ? { connectionLimit: 2 } : {}),
  });
}
