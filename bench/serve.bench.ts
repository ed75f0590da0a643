// API latency of /api/summary with N events in MariaDB, under 50 live (SSE) clients.
// Usage: node --import tsx bench/serve.bench.ts [events=1000000]   (needs CENTOS_TEST_MYSQL_URL or MariaDB on 127.0.0.1:3306)
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { migrate } from '../src/store/migrate.ts';
import { openStore } from '../src/store/openStore.ts';
import { valuesList } from '../src/store/sql.ts';
import { rollUp, startTestServer } from '../test/helpers/dashboardFixture.ts';
import { createTestDatabase } from '../test/helpers/testMysql.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const SSE_CLIENTS = 50;
const REQUESTS = 4_000;
const CONCURRENCY = 8;

const db = await createTestDatabase();
if (!db) throw new Error('no MariaDB');
const store = openStore(db.url);
try {
  await migrate(store);
  const t0 = performance.now();
  const now = Date.now();
  const types = ['CommentAdded', 'TopicViewed', 'CommentLiked', 'ProfileUpdated'];
  const batch = 5_000;
  for (let i = 0; i < N; i += batch) {
    const n = Math.min(batch, N - i);
    const params: unknown[] = [];
    for (let j = i; j < i + n; j++) params.push(`ev-${j}`, `user-${j % 50_000}`, `User ${j % 50_000}`, 'M', 'single', types[j % 4], `m${j}`, now - (N - j), 'shardId-000000000000', String(j), 0, now - (N - j) * 0.3);
    await store.execute(`INSERT INTO events (event_id, userid, full_name, gender, relationship_status, activity_type, activity_metadata, activity_ts, shard_id, seq, sub, ingested_at) VALUES ${valuesList(n, 12)}`, params);
  }
  await store.execute("INSERT INTO counters (name, value) VALUES ('events_applied', ?)", [N]);
  const filled = performance.now() - t0;
  const t1 = performance.now();
  await rollUp(store);
  const rollupMs = performance.now() - t1;

  const server = await startTestServer(db.url, { pushIntervalMs: 1_000, maxClients: 100 });
  const streams = await Promise.all(Array.from({ length: SSE_CLIENTS }, () => new Promise<import('node:http').IncomingMessage>((resolve, reject) => request(`${server.url}api/stream`, (res) => (res.resume(), resolve(res))).on('error', reject).end())));
  const latencies: number[] = [];
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const s = performance.now();
      request(`${server.url}api/summary`, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
          latencies.push(performance.now() - s);
          resolve();
        });
      })
        .on('error', reject)
        .end();
    });
  let issued = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (issued++ < REQUESTS) await one();
  }));
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(2);
  console.log(JSON.stringify({ events: N, fillSeconds: +(filled / 1000).toFixed(1), rollupMs: Math.round(rollupMs), sseClients: SSE_CLIENTS, requests: latencies.length, concurrency: CONCURRENCY, p50ms: q(0.5), p99ms: q(0.99), maxMs: latencies.at(-1)!.toFixed(2) }));
  for (const s of streams) s.destroy();
  await server.close();
} finally {
  await store.close();
  await db.drop();
}
