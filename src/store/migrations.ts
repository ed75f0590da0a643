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
  {
    version: 2,
    name: 'coordinator_leases_workers',
    up: both((t, d) => {
      const engine = d === 'mysql' ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4' : '';
      return [
        `CREATE TABLE IF NOT EXISTS leases (
          app VARCHAR(64) NOT NULL,
          shard_id VARCHAR(128) NOT NULL,
          owner VARCHAR(191) NULL,
          epoch ${t.bigint} NOT NULL DEFAULT 0,
          expires_at ${t.ts} NOT NULL DEFAULT 0,
          checkpoint_seq VARCHAR(128) NULL,
          checkpoint_sub ${t.bigint} NOT NULL DEFAULT 0,
          checkpoint_last SMALLINT NOT NULL DEFAULT 1,
          parent_ids VARCHAR(300) NOT NULL DEFAULT '',
          hash_start VARCHAR(40) NOT NULL DEFAULT '',
          hash_end VARCHAR(40) NOT NULL DEFAULT '',
          state VARCHAR(16) NOT NULL DEFAULT 'active',
          millis_behind ${t.bigint} NULL,
          updated_at ${t.ts} NOT NULL DEFAULT 0,
          PRIMARY KEY (app, shard_id)
        )${engine}`,
        `CREATE TABLE IF NOT EXISTS workers (
          app VARCHAR(64) NOT NULL,
          worker_id VARCHAR(191) NOT NULL,
          heartbeat_at ${t.ts} NOT NULL,
          started_at ${t.ts} NOT NULL,
          info VARCHAR(255) NOT NULL DEFAULT '',
          PRIMARY KEY (app, worker_id)
        )${engine}`,
      ];
    }),
  },
  {
    version: 4,
    name: 'archive_manifest',
    up: both((t, d) => [
      // One row per committed archive object; inserted in the fenced transaction that moves the archive checkpoint.
      `CREATE TABLE IF NOT EXISTS archive_manifest (
        app VARCHAR(64) NOT NULL,
        shard_id VARCHAR(128) NOT NULL,
        first_seq VARCHAR(128) NOT NULL,
        first_sub ${t.bigint} NOT NULL,
        last_seq VARCHAR(128) NOT NULL,
        last_sub ${t.bigint} NOT NULL,
        object_key VARCHAR(1024) NOT NULL,
        record_count ${t.bigint} NOT NULL,
        invalid_count ${t.bigint} NOT NULL,
        bytes ${t.bigint} NOT NULL,
        raw_bytes ${t.bigint} NOT NULL,
        sha256 CHAR(64) NOT NULL,
        min_arrival ${t.ts} NOT NULL,
        max_arrival ${t.ts} NOT NULL,
        epoch ${t.bigint} NOT NULL,
        worker_id VARCHAR(191) NOT NULL,
        committed_at ${t.ts} NOT NULL,
        PRIMARY KEY (app, shard_id, first_seq, first_sub)
      )${d === 'mysql' ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4' : ''}`,
    ]),
  },
];
