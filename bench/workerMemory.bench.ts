/**
 * Resident memory of the shipped worker: `dist/centos consume --role dashboard|archive` (the single
 * executable, no tsx) applying a 200k-event backlog at full speed, next to the same binary idle
 * (`dist/centos local`). Peak RSS is VmHWM from /proc. Build first: npm run build:binary.
 * Run: npm run bench:memory  [-- --events 200000]
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createKinesisClient, createS3Client } from '../src/aws/awsClients.ts';
import { loadConfig } from '../src/config/loadConfig.ts';
import { EventGenerator } from '../src/generate/EventGenerator.ts';
import { startLocalStack } from '../src/local/startLocalStack.ts';
import { ensureBucket } from '../src/setup/ensureBucket.ts';
import { migrate } from '../src/store/migrate.ts';
import { openStore } from '../src/store/openStore.ts';
import { fillStream, fmt } from './support/benchKit.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '200000' } } });
const N = Number(values.events);
const BIN = path.resolve('dist/centos');
if (!existsSync(BIN)) throw new Error('dist/centos is missing: run npm run build:binary first');
const dir = await mkdtemp(path.join(tmpdir(), 'centos-bench-mem-'));
const stack = await startLocalStack({ dataDir: path.join(dir, 'local'), kinesisPort: 0, s3Port: 0, persist: false, streamDelayMs: 0 });
const { config } = loadConfig({ env: {}, flags: { 'aws.kinesisEndpoint': stack.kinesisEndpoint, 'aws.s3Endpoint': stack.s3Endpoint } });
const kinesis = createKinesisClient(config);
const s3 = createS3Client(config);
await ensureBucket(s3, 'bench-mem');
const gen = new EventGenerator({ seed: 12, users: 1000, duplicates: 0, startMs: 0 });
await fillStream(kinesis, 'mem', 4, Array.from({ length: N }, () => gen.next()), 50 * 1024);
const vmHwm = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function measure(role: 'dashboard' | 'archive'): Promise<{ seconds: number; rss: number }> {
  const dbUrl = `sqlite:${path.join(dir, `${role}.db`)}`;
  const store = openStore(dbUrl);
  await migrate(store);
  const env = { PATH: process.env.PATH, HOME: dir, AWS_EC2_METADATA_DISABLED: 'true', AWS_ENDPOINT_URL_KINESIS: stack.kinesisEndpoint, AWS_ENDPOINT_URL_S3: stack.s3Endpoint, CENTOS_STREAM_NAME: 'mem', CENTOS_S3_BUCKET: 'bench-mem', CENTOS_DB_URL: dbUrl, CENTOS_LOG_LEVEL: 'warn', CENTOS_ARCHIVE_FLUSH_AGE_MS: '2000', ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}) };
  const child = spawn(BIN, ['consume', '--role', role], { env, stdio: 'inherit' });
  const t = performance.now();
  let rss = 0;
  const done = async () => {
    if (role === 'dashboard') return Number((await store.query<{ n: number }>("SELECT COALESCE(SUM(value), 0) AS n FROM counters WHERE name = 'events_applied'"))[0]!.n) >= N;
    return Number((await store.query<{ n: number }>('SELECT COALESCE(SUM(record_count), 0) AS n FROM archive_manifest'))[0]!.n) >= N;
  };
  while (!(await done())) {
    rss = Math.max(rss, vmHwm(child.pid!));
    await delay(100);
  }
  const seconds = (performance.now() - t) / 1000;
  rss = Math.max(rss, vmHwm(child.pid!));
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await store.close();
  return { seconds, rss };
}

const idle = spawn(BIN, ['local', '--kinesis-port', '0', '--s3-port', '0', '--data-dir', path.join(dir, 'idle')], { env: { PATH: process.env.PATH, HOME: dir }, stdio: 'ignore' });
await delay(1500);
const idleRss = vmHwm(idle.pid!);
idle.kill('SIGTERM');
console.log(`worker memory: dist/centos, ${fmt(N)}-event backlog on 4 shards (aggregated), SQLite`);
console.log(`  dist/centos idle (local)       peak RSS ${idleRss.toFixed(0)} MB`);
for (const role of ['dashboard', 'archive'] as const) {
  const r = await measure(role);
  console.log(`  consume --role ${role.padEnd(9)}     peak RSS ${r.rss.toFixed(0)} MB   (${fmt(N / r.seconds)} events/s incl. start-up)   target < 300 MB`);
}
kinesis.destroy();
s3.destroy();
await stack.close();
process.exit(0);
