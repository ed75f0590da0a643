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
