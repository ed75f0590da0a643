/**
 * Resident memory of the shipped worker: `dist/centos consume --role dashboard|archive` (the single
 * executable, no tsx, no heap cap) applying a 200k-event backlog at full speed, on 4 and on 16
 * shards, with the defaults ("new": the worker's memory budget `coordinator.memoryBudgetBytes` and
 * `coordinator.holdYoungGeneration`) and as before issue 16 ("old": budget 0 — every shard fetches
 * and reads ahead on its own — and V8's own young-generation sizing). The two run side by side,
 * alternating, so the throughput ratio is taken under the same load. Peak RSS is
 * VmHWM from /proc; the heap and external memory at the peak come from the worker's own /metrics.
 * Build first: npm run build:binary.
 * Run: npm run bench:memory  [-- --events 200000 --shards 4,16 --roles dashboard,archive --budget <bytes for "new">]
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
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

const { values } = parseArgs({ options: { events: { type: 'string', default: '200000' }, shards: { type: 'string', default: '4,16' }, roles: { type: 'string', default: 'dashboard,archive' }, budget: { type: 'string' } } });
const N = Number(values.events);
const SHARDS = values.shards.split(',').map(Number);
const ROLES = values.roles.split(',') as Array<'dashboard' | 'archive'>;
const TARGET_MB = 200;
const BIN = path.resolve('dist/centos');
if (!existsSync(BIN)) throw new Error('dist/centos is missing: run npm run build:binary first');

/** The two configurations compared: today's defaults, and before issue 16 (no budget, V8's own young-generation sizing). */
const VARIANTS = { old: { CENTOS_COORDINATOR_MEMORY_BUDGET_BYTES: '0', CENTOS_COORDINATOR_HOLD_YOUNG_GENERATION: 'false' }, new: values.budget ? { CENTOS_COORDINATOR_MEMORY_BUDGET_BYTES: values.budget } : {} } as const;
type Variant = keyof typeof VARIANTS;

const dir = await mkdtemp(path.join(tmpdir(), 'centos-bench-mem-'));
const stack = await startLocalStack({ dataDir: path.join(dir, 'local'), kinesisPort: 0, s3Port: 0, persist: false, streamDelayMs: 0 });
const { config } = loadConfig({ env: {}, flags: { 'aws.kinesisEndpoint': stack.kinesisEndpoint, 'aws.s3Endpoint': stack.s3Endpoint } });
const kinesis = createKinesisClient(config);
const s3 = createS3Client(config);
await ensureBucket(s3, 'bench-mem');
const events = (() => {
  const gen = new EventGenerator({ seed: 12, users: 1000, duplicates: 0, startMs: 0 });
  return Array.from({ length: N }, () => gen.next());
})();
for (const shards of SHARDS) await fillStream(kinesis, `mem${shards}`, shards, events, 50 * 1024);
const procStatus = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const vmHwm = (pid: number) => procStatus(pid, 'VmHWM');
const MB = 1024 * 1024;

interface Breakdown {
  rss: number;
  /** Of it, pages of the executable and other files (the 100 MB binary is mapped, not loaded), and anonymous memory. */
  rssFile: number;
  rssAnon: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

/** The worker's own view of its memory, from the process metrics on its /metrics. */
async function scrape(url: string, pid: number): Promise<Breakdown | undefined> {
  try {
    const rssFile = procStatus(pid, 'RssFile');
    const rssAnon = procStatus(pid, 'RssAnon');
    const text = await (await fetch(url)).text();
    const v = (name: string) => Number(new RegExp(`^centos_${name} ([0-9.e+]+)`, 'm').exec(text)?.[1] ?? 0) / MB;
    return { rss: v('process_resident_memory_bytes'), rssFile, rssAnon, heapUsed: v('nodejs_heap_size_used_bytes'), heapTotal: v('nodejs_heap_size_total_bytes'), external: v('nodejs_external_memory_bytes') };
  } catch {
    return undefined;
  }
}

let run = 0;
async function measure(role: 'dashboard' | 'archive', shards: number, variant: Variant): Promise<{ seconds: number; rss: number; atPeak: Breakdown | undefined }> {
  const dbUrl = `sqlite:${path.join(dir, `${role}-${shards}-${variant}-${run++}.db`)}`;
  const store = openStore(dbUrl);
  await migrate(store);
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_KINESIS: stack.kinesisEndpoint,
    AWS_ENDPOINT_URL_S3: stack.s3Endpoint,
    CENTOS_STREAM_NAME: `mem${shards}`,
    CENTOS_S3_BUCKET: 'bench-mem',
    CENTOS_S3_PREFIX: `run${run}`,
    CENTOS_DB_URL: dbUrl,
    CENTOS_LOG_LEVEL: 'warn',
    CENTOS_ARCHIVE_FLUSH_AGE_MS: '2000',
    CENTOS_METRICS_PORT: '0',
    ...VARIANTS[variant],
    ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
  };
  const child = spawn(BIN, ['consume', '--role', role], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let metricsUrl: string | undefined;
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const m = /metrics: (http:\/\/\S+)/.exec(l);
    if (m) metricsUrl = new URL('/metrics', m[1]).href;
  });
  const t = performance.now();
  let rss = 0;
  let atPeak: Breakdown | undefined;
  const done = async () => {
    if (role === 'dashboard') return Number((await store.query<{ n: number }>("SELECT COALESCE(SUM(value), 0) AS n FROM counters WHERE name = 'events_applied'"))[0]!.n) >= N;
    return Number((await store.query<{ n: number }>('SELECT COALESCE(SUM(record_count), 0) AS n FROM archive_manifest'))[0]!.n) >= N;
  };
  const deadline = Date.now() + 600_000;
  while (!(await done())) {
    if (child.exitCode !== null) throw new Error(`${role} worker exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${role} worker did not finish the backlog within 10 minutes`);
    const hwm = vmHwm(child.pid!);
    if (metricsUrl) {
      const b = await scrape(metricsUrl, child.pid!);
      if (b && (!atPeak || b.rss > atPeak.rss)) atPeak = b;
    }
    rss = Math.max(rss, hwm);
    await delay(100);
  }
  const seconds = (performance.now() - t) / 1000;
  rss = Math.max(rss, vmHwm(child.pid!));
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await store.close();
  return { seconds, rss, atPeak };
}

const idle = spawn(BIN, ['local', '--kinesis-port', '0', '--s3-port', '0', '--data-dir', path.join(dir, 'idle')], { env: { PATH: process.env.PATH, HOME: dir }, stdio: 'ignore' });
await delay(1500);
const idleRss = vmHwm(idle.pid!);
idle.kill('SIGTERM');
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
console.log(`worker memory: dist/centos (no heap cap), ${fmt(N)}-event backlog (aggregated), SQLite; load average at start ${load()}`);
console.log(`  dist/centos idle (local)   peak RSS ${idleRss.toFixed(0)} MB`);
const breakdown = (b: Breakdown | undefined) => (b ? `at peak: file ${b.rssFile.toFixed(0)} + anon ${b.rssAnon.toFixed(0)} MB, of it heap ${b.heapUsed.toFixed(0)}/${b.heapTotal.toFixed(0)} MB used/total, external ${b.external.toFixed(0)} MB` : 'at peak: no /metrics sample');
let failed = false;
for (const shards of SHARDS) {
  for (const role of ROLES) {
    // Alternating, so that both variants see the same load.
    const r: Partial<Record<Variant, Awaited<ReturnType<typeof measure>>>> = {};
    for (const variant of ['old', 'new'] as const) {
      r[variant] = await measure(role, shards, variant);
      const m = r[variant]!;
      console.log(`  ${String(shards).padStart(2)} shards  ${role.padEnd(9)}  ${variant}  peak RSS ${m.rss.toFixed(0).padStart(3)} MB  ${fmt(N / m.seconds).padStart(6)} events/s   ${breakdown(m.atPeak)}`);
    }
    const ratio = r.old!.seconds / r.new!.seconds;
    const ok = r.new!.rss <= TARGET_MB && ratio >= 0.9;
    failed ||= !ok;
    console.log(`  ${String(shards).padStart(2)} shards  ${role.padEnd(9)}  new/old throughput ${ratio.toFixed(2)}, peak RSS ${r.new!.rss.toFixed(0)} vs ${r.old!.rss.toFixed(0)} MB   targets ≤ ${TARGET_MB} MB, ≥ 0.90: ${ok ? 'met' : 'MISSED'}   (load ${load()})`);
  }
}
kinesis.destroy();
s3.destroy();
await stack.close();
process.exit(failed ? 1 : 0);
