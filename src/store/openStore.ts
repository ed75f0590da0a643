import { UsageError } from '../errors.ts';
import { openMysqlStore } from './mysqlStore.ts';
import { openSqliteStore } from './sqliteStore.ts';
import type { Store } from './Store.ts';

/** Opens the Store `db.url` names: `mysql://…` or `sqlite:path`. */
export function openStore(url: string, options: { password?: string } = {}): Store {
  if (url.startsWith('mysql://')) return openMysqlStore(url, options);
  if (url.startsWith('sqlite:')) return openSqliteStore(url.slice('sqlite:'.length));
  throw new UsageError([`invalid config: db.url: expected mysql://… or sqlite:…`]);
}

/** The Store of the configuration's `db.url`, with the password from the environment when set. */
export function openConfiguredStore(settings: { config: { db: { url: string } }; secrets: { dbPassword?: string } }): Store {
  return openStore(settings.config.db.url, settings.secrets.dbPassword ? { password: settings.secrets.dbPassword } : {});
}
