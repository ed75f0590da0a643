/**
 * Dashboard apply rate, in one run: a backlog of events on 4 shards (kinesalite in its own process),
 * applied by one dashboard worker (its own process, peak RSS measured) into MariaDB and into SQLite,
 * next to a raw multi-row INSERT IGNORE of the same rows into the same database.
 * Run: npm run bench:dashboard  [-- --events 200000 --mysql mysql://root@127.0.0.1:3306/test]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EventGenerator } from '../src/generate/EventGenerator.ts';
import { migrate } from '../src/store/migrate.ts';
import { openMysqlStore } from '../src/store/mysqlStore.ts';
import { openStore } from '../src/store/openStore.ts';
import { insertIgnore, valuesList } from '../src/store/sql.ts';
import { fillStream, fmt, runChild, startKinesaliteChild } from './support/benchKit.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '200000' }, mysql: { type: 'string', default: process.env.CENTOS_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test' } } });
const N = Number(values.events);
const dir = await mkdtemp(path.join(tmpdir(), 'centos-bench-dash-'));
const k = await startKinesaliteChild();
const gen = new EventGenerator({ seed: 4, users: 1000, duplicates: 0, startMs: Date.parse('2024-01-01T00:00:00Z') });
const events = Array.from({ length: N }, () => gen.next());
console.log(`dashboard benchmark: ${fmt(N)} events, 1000 users, 4 shards (KPL-aggregated backlog)`);
process.stdout.write('filling stream… ');
await fillStream(k.kinesis, 'dash', 4, events, 50 * 1024);
console.log('done');

async function rawInsert(url: string): Promise<number> {
  const store = openStore(url);
  await store.execute('DROP TABLE IF EXISTS raw_events');
  await store.execute(
    `CREATE TABLE raw_events (event_id VARCHAR(128) NOT NULL PRIMARY KEY, userid VARCHAR(256) NOT NULL, full_name TEXT NOT NULL, gender VARCHAR(1) NOT NULL, relationship_status VARCHAR(32) NOT NULL, activity_type VARCHAR(32) NOT NULL, activity_metadata TEXT NOT NULL, activity_ts BIGINT NOT NULL, user_seq BIGINT NULL, shard_id VARCHAR(128) NOT NULL, seq VARCHAR(128) NOT NULL, sub INT NOT NULL, ingested_at BIGINT NOT NULL)`,
  );
  const t = performance.now();
  for (let i = 0; i < events.length; i += 500) {
    const chunk = events.slice(i, i + 500);
    await store.transaction((tx) =>
      tx.execute(
        `${insertIgnore(store.dialect)} INTO raw_events VALUES ${valuesList(chunk.length, 13)}`,
        chunk.flatMap((e, j) => [e.eventId, e.userid, e.fullName, e.gender, e.relationshipStatus, e.activityType, e.activityMetadata, Date.parse(e.activityTimestamp), e.userSeq ?? null, 'shardId-000000000000', String(i + j), 0, Date.now()]),
      ),
    );
  }
  const secs = (performance.now() - t) / 1000;
  await store.execute('DROP TABLE raw_events');
  await store.close();
  return N / secs;
}

const targets: Array<[string, string, () => Promise<void>]> = [];
const sqliteUrl = `sqlite:${path.join(dir, 'dash.db')}`;
targets.push(['SQLite', sqliteUrl, async () => {}]);
const dbName = `centos_bench_${randomBytes(4).toString('hex')}`;
const server = openMysqlStore(values.mysql, { database: null, connectionLimit: 1 });
let mysqlUrl: string | undefined;
try {
  await server.execute(`CREATE DATABASE ${dbName}`);
  const u = new URL(values.mysql);
  u.pathname = `/${dbName}`;
  mysqlUrl = u.toString();
  targets.unshift(['MariaDB', mysqlUrl, async () => void (await server.execute(`DROP DATABASE ${dbName}`))]);
} catch (err) {
  console.log(`(MariaDB at ${values.mysql} not reachable: ${(err as Error).message}; SQLite only)`);
}

for (const [name, url, cleanup] of targets) {
  const s = openStore(url);
  await migrate(s);
  await s.close();
  const r = await runChild(['dashboard', 'dash', k.endpoint, url, String(N)]);
  const applyRate = Number(r.events) / Number(r.seconds);
  const raw = await rawInsert(url);
  console.log(`  ${name.padEnd(8)} dashboard worker ${fmt(applyRate).padStart(8)} events/s (peak RSS ${r.maxRssMb} MB) · raw multi-row INSERT IGNORE ${fmt(raw).padStart(8)} rows/s · ratio ${(applyRate / raw).toFixed(2)}`);
  await cleanup();
}
console.log('  targets: ≥ 20,000 events/s into MariaDB with one worker, ≥ 0.3× the raw insert, < 300 MB RSS');
await server.close();
k.stop();
k.kinesis.destroy();
process.exit(0);
