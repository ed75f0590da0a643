export { waitFor } from './waitFor.ts';
import { after } from 'node:test';
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import path from 'node:path';
import { createKinesisClient } from '../../src/aws/awsClients.ts';
import type { Settings } from '../../src/config/loadConfig.ts';
import type { ConsumedRecord } from '../../src/kinesis/deaggregate.ts';
import type { CoordinatorOptions } from '../../src/coordinator/CoordinatorOptions.ts';
import { runConsumer, type ConsumerHandle } from '../../src/coordinator/runConsumer.ts';
import type { ShardContext, ShardProcessor } from '../../src/coordinator/ShardProcessor.ts';
import { encodeAggregate } from '../../src/kinesis/kplAggregation.ts';
import { sdkKinesisReadPort } from '../../src/kinesis/KinesisReadPort.ts';
import { createLogger } from '../../src/log/createLogger.ts';
import { ensureStream } from '../../src/setup/ensureStream.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openStore } from '../../src/store/openStore.ts';
import type { Store } from '../../src/store/Store.ts';
import { valuesList } from '../../src/store/sql.ts';
import { createTestDatabase } from './testMysql.ts';
import type { TestStack } from './testStack.ts';

export const fastCoordinator: CoordinatorOptions = {
  leaseDurationMs: 2_000,
  renewIntervalMs: 300,
  takeIntervalMs: 200,
  shardSyncIntervalMs: 500,
  maxRecordsPerFetch: 10_000,
  maxBytesPerFetch: 1024 * 1024,
  // The floor every reader keeps; kinesalite enforces no read limits, so the whole shard is this worker's.
  intervalMs: 200,
  share: 1,
  shardCallsPerSec: 5,
  shardBytesPerSec: 2 * 1024 * 1024,
  idleMs: 20,
  idleMaxMs: 200,
  watchdogMs: 30_000,
};

export const silentLog = createLogger({ level: process.env.CENTOS_TEST_LOG === '1' ? 'debug' : 'silent', pretty: false });

export interface Env {
  name: string;
  store: Store;
  kinesis: KinesisClient;
  settings: Settings;
  stream: string;
  close(): Promise<void>;
}

let streams = 0;

/** A fresh stream and a migrated DB (SQLite file or a new MySQL database), with a `seen` table for the test processor. */
export async function makeEnv(stack: TestStack, dialect: 'sqlite' | 'mysql', shards: number): Promise<Env | undefined> {
  const stream = `coord-${process.pid}-${++streams}`;
  let dbUrl = `sqlite:${path.join(stack.dir, `${stream}.db`)}`;
  let drop = async () => {};
  if (dialect === 'mysql') {
    const db = await createTestDatabase();
    if (!db) return undefined;
    dbUrl = db.url;
    drop = db.drop;
  }
  const settings = stack.settings({ 'stream.name': stream, 'db.url': dbUrl });
  const store = openStore(dbUrl);
  await migrate(store);
  const auto = dialect === 'mysql' ? 'BIGINT AUTO_INCREMENT PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
  await store.execute(`CREATE TABLE seen (id ${auto}, shard_id VARCHAR(128) NOT NULL, seq VARCHAR(128) NOT NULL, sub INT NOT NULL, pk VARCHAR(256) NOT NULL, n INT NOT NULL, worker VARCHAR(191) NOT NULL, epoch INT NOT NULL)`);
  const kinesis = createKinesisClient(settings.config);
  await ensureStream(kinesis, { name: stream, shards, retentionHours: 24, pollMs: 20 });
  return {
    name: dialect,
    store,
    kinesis,
    settings,
    stream,
    async close() {
      kinesis.destroy();
      await store.close();
      await drop();
    },
  };
}

export interface TestRecord {
  k: string;
  n: number;
}

/** Puts records for `keys` keys, `perKey` each, in per-key order; aggregated ones share a key per aggregate. */
export async function putRecords(env: Env, o: { keys: number; perKey: number; startN?: number; aggregate?: number; keyPrefix?: string }): Promise<TestRecord[]> {
  const all: TestRecord[] = [];
  const start = o.startN ?? 0;
  for (let n = start; n < start + o.perKey; n++) for (let k = 0; k < o.keys; k++) all.push({ k: `${o.keyPrefix ?? 'user'}-${k}`, n });
  // One "round" of n for every key per PutRecords call keeps per-key order across calls.
  const entries: Array<{ PartitionKey: string; Data: Uint8Array }> = [];
  if (o.aggregate && o.aggregate > 1) {
    const byKey = new Map<string, TestRecord[]>();
    for (const r of all) (byKey.get(r.k) ?? byKey.set(r.k, []).get(r.k)!).push(r);
    for (const [k, recs] of byKey) {
      for (let i = 0; i < recs.length; i += o.aggregate) {
        const chunk = recs.slice(i, i + o.aggregate);
        entries.push({ PartitionKey: k, Data: encodeAggregate(chunk.map((r) => ({ partitionKey: k, data: Buffer.from(JSON.stringify(r)) }))) });
      }
    }
  } else {
    for (const r of all) entries.push({ PartitionKey: r.k, Data: Buffer.from(JSON.stringify(r)) });
  }
  for (let i = 0; i < entries.length; i += 500) {
    const r = await env.kinesis.send(new PutRecordsCommand({ StreamName: env.stream, Records: entries.slice(i, i + 500) }));
    if (r.FailedRecordCount) throw new Error(`put failed for ${r.FailedRecordCount} records`);
  }
  return all;
}

export interface RecorderOptions {
  /** Called before each batch commit (tests pause or fail here). */
  beforeCommit?: (records: ConsumedRecord[], ctx: { shardId: string; workerId: string }) => Promise<void>;
  /** Commit after every `commitEvery` records instead of per batch. */
  commitEvery?: number;
}

/** A processor that writes what it saw into `seen` in the same fenced transaction as the checkpoint. */
export function recorder(o: RecorderOptions = {}) {
  return (ctx: ShardContext): ShardProcessor => ({
    async processBatch(records) {
      const chunk = o.commitEvery ?? records.length;
      for (let i = 0; i < records.length; i += chunk) {
        const part = records.slice(i, i + chunk);
        await o.beforeCommit?.(part, { shardId: ctx.shardId, workerId: ctx.workerId });
        await ctx.commit(part[part.length - 1]!, async (tx) => {
          const params = part.flatMap((r) => {
            const d = JSON.parse(r.data.toString()) as TestRecord;
            return [r.shardId, r.seq, r.sub, d.k, d.n, ctx.workerId, ctx.epoch];
          });
          await tx.execute(`INSERT INTO seen (shard_id, seq, sub, pk, n, worker, epoch) VALUES ${valuesList(part.length, 7)}`, params);
        });
      }
    },
  });
}

export function startWorker(env: Env, processor = recorder(), over: Partial<CoordinatorOptions> = {}, workerId?: string): ConsumerHandle {
  return runConsumer({
    app: 'test-app',
    processor,
    options: { ...fastCoordinator, ...over },
    initialPosition: { type: 'TRIM_HORIZON' },
    deps: { store: env.store, kinesis: sdkKinesisReadPort(env.kinesis, env.stream), log: silentLog },
    ...(workerId ? { workerId } : {}),
  });
}

export async function seenRows(env: Env) {
  return env.store.query<{ id: number; shard_id: string; seq: string; sub: number; pk: string; n: number; worker: string; epoch: number }>('SELECT * FROM seen ORDER BY id');
}

/** Every expected record seen exactly once, and each key's records in order. */
export function checkExactlyOnceInOrder(rows: Array<{ pk: string; n: number }>, expected: TestRecord[]): string[] {
  const problems: string[] = [];
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(`${r.pk}#${r.n}`, (counts.get(`${r.pk}#${r.n}`) ?? 0) + 1);
  for (const e of expected) {
    const c = counts.get(`${e.k}#${e.n}`) ?? 0;
    if (c !== 1) problems.push(`${e.k}#${e.n} seen ${c} times`);
  }
  if (rows.length !== expected.length) problems.push(`${rows.length} rows for ${expected.length} records`);
  const last = new Map<string, number>();
  for (const r of rows) {
    const prev = last.get(r.pk);
    if (prev !== undefined && r.n <= prev) problems.push(`${r.pk}: ${r.n} applied after ${prev}`);
    last.set(r.pk, r.n);
  }
  return problems.slice(0, 10);
}

/** Puts events keyed by userid, in order, 500 per call (per-user order is kept across calls). */
export async function putEvents(env: Env, events: readonly import('../../src/events/eventSchema.ts').UserEvent[], raw: Array<{ pk: string; data: Buffer }> = []): Promise<void> {
  const { serializeEvent } = await import('../../src/events/eventSchema.ts');
  const entries = [...events.map((e) => ({ PartitionKey: e.userid, Data: Buffer.from(serializeEvent(e)) })), ...raw.map((r) => ({ PartitionKey: r.pk, Data: r.data }))];
  for (let i = 0; i < entries.length; i += 500) {
    const r = await env.kinesis.send(new PutRecordsCommand({ StreamName: env.stream, Records: entries.slice(i, i + 500) }));
    if (r.FailedRecordCount) throw new Error(`put failed for ${r.FailedRecordCount} records`);
  }
}

export async function counter(env: Env, name: string): Promise<number> {
  const [row] = await env.store.query<{ value: number }>('SELECT SUM(value) AS value FROM counters WHERE name = ?', [name]);
  return Number(row?.value ?? 0);
}

/**
 * Per-describe environments on one dialect: `env(shards, t)` makes a fresh stream and DB (skipping
 * the test when MySQL is absent outside CI) and every one is closed after the block.
 */
export function envsFor(stack: () => import('./testStack.ts').TestStack, dialect: 'sqlite' | 'mysql') {
  const envs: Env[] = [];
  after(async () => {
    for (const e of envs) await e.close();
  });
  return async (shards: number, t: { skip(msg: string): void }): Promise<Env | undefined> => {
    const e = await makeEnv(stack(), dialect, shards);
    if (!e) t.skip('no MySQL server');
    else envs.push(e);
    return e;
  };
}
