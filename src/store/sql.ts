import type { Dialect } from './Store.ts';

/** `INSERT … that skips rows whose key exists` in each dialect. */
export function insertIgnore(dialect: Dialect): string {
  return dialect === 'mysql' ? 'INSERT IGNORE' : 'INSERT OR IGNORE';
}

/**
 * The database's own clock in epoch milliseconds, as an SQL expression. Lease expiry is written
 * and compared with this, so workers' wall clocks never meet (UTC, so no time-zone or DST shift).
 */
export function dbNowMs(dialect: Dialect): string {
  return dialect === 'mysql' ? "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000)" : "CAST(unixepoch('subsec') * 1000 AS INTEGER)";
}

/** `(?, ?, ?), (?, ?, ?)` for a multi-row insert. */
export function valuesList(rows: number, columns: number): string {
  const one = `(${new Array(columns).fill('?').join(', ')})`;
  return new Array(rows).fill(one).join(', ');
}

/**
 * A multi-row upsert: insert `rows` rows of `cols`; on a key conflict, `replace` columns take the
 * new value and `add` columns add it to the stored one.
 */
export function upsertSql(dialect: Dialect, table: string, cols: readonly string[], keys: readonly string[], rows: number, update: { replace?: readonly string[]; add?: readonly string[] }): string {
  const head = `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${valuesList(rows, cols.length)}`;
  const newValue = (c: string) => (dialect === 'mysql' ? `VALUES(${c})` : `excluded.${c}`);
  const sets = [...(update.replace ?? []).map((c) => `${c} = ${newValue(c)}`), ...(update.add ?? []).map((c) => `${c} = ${table}.${c} + ${newValue(c)}`)];
  return dialect === 'mysql' ? `${head} ON DUPLICATE KEY UPDATE ${sets.join(', ')}` : `${head} ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${sets.join(', ')}`;
}

/** Runs `fn` over `items` in chunks of `size` (statement parameter limits). */
export async function inChunks<T>(items: readonly T[], size: number, fn: (chunk: T[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await fn(items.slice(i, i + size));
}
