import type { Dialect } from './Store.ts';

/** `INSERT … that skips rows whose key exists` in each dialect. */
export function insertIgnore(dialect: Dialect): string {
  return dialect === 'mysql' ? 'INSERT IGNORE' : 'INSERT OR IGNORE';
}

/** `(?, ?, ?), (?, ?, ?)` for a multi-row insert. */
export function valuesList(rows: number, columns: number): string {
  const one = `(${new Array(columns).fill('?').join(', ')})`;
  return new Array(rows).fill(one).join(', ');
}
