import type { Dialect } from './Store.ts';

export interface Migration {
  version: number;
  name: string;
  /** Statements per dialect; each must be safe to re-run (MySQL commits DDL one statement at a time). */
  up: Record<Dialect, string[]>;
}

/** Column types that differ between the dialects. */
export const sqlTypes = {
  mysql: { text: 'TEXT', key: 'VARCHAR(191)', bigint: 'BIGINT', ts: 'BIGINT' },
  sqlite: { text: 'TEXT', key: 'TEXT', bigint: 'INTEGER', ts: 'INTEGER' },
} as const;

const both = (build: (t: (typeof sqlTypes)[Dialect], d: Dialect) => string[]): Record<Dialect, string[]> => ({
  mysql: build(sqlTypes.mysql, 'mysql'),
  sqlite: build(sqlTypes.sqlite, 'sqlite'),
});

/** Ordered, append-only. Never edit a released migration: add a new one. */
export const migrations: Migration[] = [
  {
    version: 1,
    name: 'centos_meta',
    up: both((t, d) => [
      `CREATE TABLE IF NOT EXISTS centos_meta (name ${t.key} NOT NULL PRIMARY KEY, value ${t.text} NOT NULL, updated_at ${t.ts} NOT NULL)${d === 'mysql' ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4' : ''}`,
    ]),
  },
];
