import type { Dialect } from './Store.ts';

/** An index, created only if the catalogue does not list it yet (MySQL has no CREATE INDEX IF NOT EXISTS). */
export interface IndexStep {
  index: string;
  table: string;
  columns: string;
}

/** A statement that is safe to re-run as it is (CREATE TABLE IF NOT EXISTS …), or an index. */
export type MigrationStep = string | IndexStep;

export interface Migration {
  version: number;
  name: string;
  /**
   * Steps per dialect; each is safe to re-run, because MySQL commits DDL one statement at a time
   * and a `setup` that dies between two leaves the first applied but the migration unrecorded.
   */
  up: Record<Dialect, MigrationStep[]>;
}

/** Column types that differ between the dialects. */
export const sqlTypes = {
  mysql: { text: 'TEXT', key: 'VARCHAR(191)', bigint: 'BIGINT', ts: 'BIGINT' },
  sqlite: { text: 'TEXT', key: 'TEXT', bigint: 'INTEGER', ts: 'INTEGER' },
} as const;

const both = (build: (t: (typeof sqlTypes)[Dialect], d: Dialect) => MigrationStep[]): Record<Dialect, MigrationStep[]> => ({
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
    version: 3,
    name: 'dashboard',
    up: both((t, d) => {
      const engine = d === 'mysql' ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin' : '';
      const auto = d === 'mysql' ? 'BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
      const index = (name: string, table: string, columns: string): IndexStep => ({ index: name, table, columns });
      return [
        // id is the order events were applied in; event_id is the de-duplication key.
        `CREATE TABLE IF NOT EXISTS events (
          id ${auto},
          event_id VARCHAR(128) NOT NULL UNIQUE,
          userid VARCHAR(256) NOT NULL,
          full_name ${t.text} NOT NULL,
          gender VARCHAR(1) NOT NULL,
          relationship_status VARCHAR(32) NOT NULL,
          activity_type VARCHAR(32) NOT NULL,
          activity_metadata ${t.text} NOT NULL,
          activity_ts ${t.ts} NOT NULL,
          user_seq ${t.bigint} NULL,
          shard_id VARCHAR(128) NOT NULL,
          seq VARCHAR(128) NOT NULL,
          sub INT NOT NULL,
          ingested_at ${t.ts} NOT NULL
        )${engine}`,
        index('events_ingested', 'events', 'ingested_at'),
        index('events_user', 'events', 'userid, id'),
        `CREATE TABLE IF NOT EXISTS users (
          userid VARCHAR(256) NOT NULL PRIMARY KEY,
          full_name ${t.text} NOT NULL,
          gender VARCHAR(1) NOT NULL,
          relationship_status VARCHAR(32) NOT NULL,
          last_activity_type VARCHAR(32) NOT NULL,
          last_activity_metadata ${t.text} NOT NULL,
          last_activity_ts ${t.ts} NOT NULL,
          last_user_seq ${t.bigint} NULL,
          last_event_id VARCHAR(128) NOT NULL,
          last_shard_id VARCHAR(128) NOT NULL,
          last_seq VARCHAR(128) NOT NULL,
          last_sub INT NOT NULL,
          event_count ${t.bigint} NOT NULL,
          updated_at ${t.ts} NOT NULL
        )${engine}`,
        // Counters are striped per shard so workers on different shards never wait on one row; readers sum.
        `CREATE TABLE IF NOT EXISTS counters (name VARCHAR(64) NOT NULL, shard_id VARCHAR(128) NOT NULL DEFAULT '', value ${t.bigint} NOT NULL, PRIMARY KEY (name, shard_id))${engine}`,
        `CREATE TABLE IF NOT EXISTS activity_minute (
          minute ${t.ts} NOT NULL,
          activity_type VARCHAR(32) NOT NULL,
          shard_id VARCHAR(128) NOT NULL DEFAULT '',
          events ${t.bigint} NOT NULL,
          PRIMARY KEY (minute, activity_type, shard_id)
        )${engine}`,
        // Per user, activity type and minute: the scheduler's top-users window reads this, not events.
        `CREATE TABLE IF NOT EXISTS user_activity_minute (
          minute ${t.ts} NOT NULL,
          userid VARCHAR(256) NOT NULL,
          activity_type VARCHAR(32) NOT NULL,
          events ${t.bigint} NOT NULL,
          PRIMARY KEY (minute, userid, activity_type)
        )${engine}`,
        `CREATE TABLE IF NOT EXISTS dead_letters (
          id ${auto},
          app VARCHAR(64) NOT NULL,
          shard_id VARCHAR(128) NOT NULL,
          seq VARCHAR(128) NOT NULL,
          sub INT NOT NULL,
          reason ${t.text} NOT NULL,
          payload ${t.text} NOT NULL,
          payload_encoding VARCHAR(8) NOT NULL,
          created_at ${t.ts} NOT NULL,
          UNIQUE (app, shard_id, seq, sub)
        )${engine}`,
        `CREATE TABLE IF NOT EXISTS rollups (
          name VARCHAR(64) NOT NULL PRIMARY KEY,
          window_start ${t.ts} NOT NULL,
          window_end ${t.ts} NOT NULL,
          body ${d === 'mysql' ? 'MEDIUMTEXT' : 'TEXT'} NOT NULL,
          computed_at ${t.ts} NOT NULL
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
  {
    version: 5,
    name: 'stream_identity',
    up: both((t, d) => [
      // The stream an application's leases were made for; a stream re-created under the same name is refused at start.
      `CREATE TABLE IF NOT EXISTS stream_identity (
        app VARCHAR(64) NOT NULL PRIMARY KEY,
        stream_name VARCHAR(128) NOT NULL,
        stream_arn VARCHAR(512) NOT NULL,
        created_ms ${t.ts} NOT NULL,
        recorded_at ${t.ts} NOT NULL
      )${d === 'mysql' ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4' : ''}`,
    ]),
  },
];
