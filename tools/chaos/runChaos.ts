import { MergeShardsCommand, SplitShardCommand, type KinesisClient, type Shard } from '@aws-sdk/client-kinesis';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { formatAudit, runAudit, type AuditReport } from '../../src/audit/runAudit.ts';
import { createKinesisClient } from '../../src/aws/awsClients.ts';
import { awsErrorName } from '../../src/aws/awsErrors.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import type { LeaseRow } from '../../src/coordinator/LeaseRepository.ts';
import { LeaseStore } from '../../src/coordinator/LeaseStore.ts';
import { formatPosition } from '../../src/kinesis/position.ts';
import { embeddedPipelineEnv } from '../../src/demo/embeddedPipelineEnv.ts';
import { DemoProcesses } from '../../src/demo/DemoProcesses.ts';
import { startEmbeddedStack } from '../../src/demo/startEmbeddedStack.ts';
import { EventGenerator } from '../../src/generate/EventGenerator.ts';
import { writeGeneratedFiles } from '../../src/generate/writeGeneratedFiles.ts';
import { endToEndLagMs } from './endToEndLag.ts';
import { formatProxyStats } from '../../src/local/formatProxyStats.ts';
import { listShards } from '../../src/kinesis/listShards.ts';
import type { Logger } from '../../src/log/createLogger.ts';
import { packageRoot } from '../../src/packageRoot.ts';
import { ensureStream } from '../../src/setup/ensureStream.ts';
import { runSetup } from '../../src/setup/runSetup.ts';
import { openStore } from '../../src/store/openStore.ts';
import { policies, retry } from '../../src/util/retry.ts';
import { planChaos, type ChaosAction } from './chaosSchedule.ts';
import { formatChaosReport, type ChaosReport, type KillRecord } from './formatChaosReport.ts';
import { startThrowawayMariadb } from './throwawayMariadb.ts';

export interface ChaosOptions {
  /** Working directory (wiped at start): MariaDB datadir, embedded S3, event files, logs. */
  dir: string;
  /** Total rows generated (duplicates included). */
  events: number;
  /** Length of the chaos phase: the generator spreads its files over it; kills, reshards and the DB restart happen in it. */
  seconds: number;
  rowsPerFile?: number;
  duplicates?: number;
  dashboardWorkers?: number;
  archiveWorkers?: number;
  shards?: number;
  seed?: number;
  /** After the chaos phase, how long the pipeline may take to drain before the audit counts what is missing. */
  drainTimeoutMs?: number;
  log: Logger;
  out: (line: string) => void;
  /** Run on the faithful local Kinesis (default true); false = plain kinesalite. */
  faithful?: boolean;
  /** With the faithful Kinesis, let the stream split and merge shards on its own as an on-demand stream (default true). */
  onDemand?: boolean;
  /** How to start the centos binary (default: node + bin/centos of this checkout). */
  self?: { command: string; args: string[] };
}

export interface ChaosResult {
  ok: boolean;
  report: ChaosReport;
  audit: AuditReport;
  lines: string[];
}

const USERS = 2_000;
const BIN = path.join(packageRoot(), 'bin', 'centos');

interface PendingKill {
  record: KillRecord;
  killedAt: number;
  /** app/shard → checkpoint at the kill */
  shards: Map<string, string>;
}

const key = (l: LeaseRow) => `${l.app}/${l.shardId}`;
const ownedBy = (l: LeaseRow, pid: number | undefined) => pid !== undefined && l.owner !== null && l.owner.includes(`:${pid}:`);

async function openShards(kinesis: KinesisClient, stream: string): Promise<Shard[]> {
  const shards = await listShards(kinesis, stream);
  return shards.filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber).sort((a, b) => (BigInt(a.HashKeyRange!.StartingHashKey!) < BigInt(b.HashKeyRange!.StartingHashKey!) ? -1 : 1));
}

/**
 * On-demand thresholds for the chaos load: each initial shard takes about events/seconds/shards × ~400 bytes a
 * second. A shard well above its share splits, neighbours well below it merge (idle phases merge down to 2), so
 * the stream reshards on its own a few times a run while the pipeline produces and consumes.
 */
function onDemandFor(o: ChaosOptions) {
  const share = ((o.events / o.seconds) * 400) / (o.shards ?? 4);
  return { intervalMs: Math.max(5_000, Math.round((o.seconds * 1000) / 8)), splitAboveBytesPerSec: 1.25 * share, mergeBelowBytesPerSec: share / 2, minShards: 2, maxShards: 8 };
}

/** A reshard meets the stream UPDATING while an on-demand reshard runs: retried, as AWS tells callers to. */
const reshard = (attempt: () => Promise<void>) =>
  retry(attempt, { ...policies.kinesisReshard, signal: undefined, isRetriable: (err) => ['ResourceInUseException', 'ResourceNotFoundException'].includes(awsErrorName(err) ?? '') });

/**
 * The chaos run: the real pipeline as separate processes on the embedded Kinesis and S3 and a throwaway
 * MariaDB, with workers and the producer kill -9'd, the stream resharded and the DB restarted while
 * events flow; then it drains, audits the dashboard DB, the committed archive and the stream, and reports.
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const dir = path.resolve(o.dir);
  const rowsPerFile = Math.max(1, Math.min(o.rowsPerFile ?? 1000, o.events));
  const files = Math.max(1, Math.ceil(o.events / rowsPerFile));
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31);
  const chaosMs = o.seconds * 1000;
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  const started = Date.now();
  o.out(`chaos: ${files * rowsPerFile} events (${Math.round((o.duplicates ?? 0.1) * 100)} % duplicates) over ${o.seconds} s, seed ${seed}, dir ${dir}`);
  const db = await startThrowawayMariadb(path.join(dir, 'mariadb'));
  o.out(`chaos: throwaway MariaDB on 127.0.0.1:${db.port} (datadir ${db.dataDir})`);
  const onDemand = (o.onDemand ?? true) ? onDemandFor(o) : undefined;
  const stack = await startEmbeddedStack(dir, o.log, (o.faithful ?? true) ? (onDemand ? { onDemand } : {}) : undefined);
  if (stack.proxy) o.out(`chaos: faithful local Kinesis (AWS read/write limits, quotas, expiry)${onDemand ? ` with on-demand resharding every ${onDemand.intervalMs / 1000} s` : ''}`);
  const env = embeddedPipelineEnv({ stack, dir, dbUrl: db.url, name: 'centos-chaos', shards: o.shards ?? 4, archiveFlushAgeMs: 3000 });

  const settings = loadConfig({ env, flags: {} });
  const procs = new DemoProcesses(env, path.join(dir, 'logs'), o.log, o.self ?? { command: process.execPath, args: [BIN] });
  const kinesis = createKinesisClient(settings.config);
  const monitorStore = openStore(db.url);
  const leases = new LeaseStore(monitorStore);
  const kills: KillRecord[] = [];
  // The generator is deterministic: replay it to know how many distinct events each file brings.
  const genStartMs = Date.now();
  const cumulativeDistinct: number[] = [];
  {
    const gen = new EventGenerator({ seed, users: USERS, duplicates: o.duplicates ?? 0.1, startMs: genStartMs });
    gen.uuid();
    const seen = new Set<string>();
    for (let f = 0; f < files; f++) {
      for (let r = 0; r < rowsPerFile; r++) seen.add(gen.next().eventId);
      cumulativeDistinct.push(seen.size);
    }
  }
  const publishedAt: (number | undefined)[] = new Array(files).fill(undefined);
  let maxE2eLagMs = 0;
  let lastLagSample = 0;
  const pending: PendingKill[] = [];
  const reshards: ChaosReport['reshards'] = [];
  let splitChildren = new Set<string>();
  const dbRestarts: ChaosReport['dbRestarts'] = [];
  let latest: LeaseRow[] = [];
  let monitoring = true;
  const since = (t: number) => t - t0;
  let t0 = Date.now();

  const observe = (rows: LeaseRow[], now: number) => {
    latest = rows;
    const byKey = new Map(rows.map((l) => [key(l), l]));
    for (let i = pending.length - 1; i >= 0; i--) {
      const p = pending[i]!;
      const recovered = [...p.shards].every(([k, cp]) => {
        const l = byKey.get(k);
        if (!l) return false;
        if (l.state === 'ended') return true;
        return l.owner !== null && !ownedBy(l, p.record.pid) && l.expiresAt > now && formatPosition(l.checkpoint) !== cp;
      });
      if (recovered) {
        p.record.recoveryMs = now - p.killedAt;
        pending.splice(i, 1);
      }
    }
  };
  const monitor = (async () => {
    while (monitoring) {
      try {
        observe(await leases.listLeases(), Date.now());
        if (Date.now() - lastLagSample >= 1_000) {
          lastLagSample = Date.now();
          const [row] = await monitorStore.query<{ v: number | string | null }>("SELECT SUM(value) AS v FROM counters WHERE name = 'events_applied'");
          maxE2eLagMs = Math.max(maxE2eLagMs, endToEndLagMs(cumulativeDistinct, publishedAt, Number(row?.v ?? 0), Date.now()));
        }
      } catch {
        // the DB is restarting
      }
      await delay(250);
    }
  })();

  const kill = async (name: string) => {
    const pid = procs.all.get(name)?.child.pid;
    if (pid === undefined) {
      o.out(`  ${(since(Date.now()) / 1000).toFixed(1).padStart(6)} s  ${name} is between restarts; no kill`);
      return;
    }
    const rows = await leases.listLeases().catch(() => latest);
    const held = rows.filter((l) => l.state === 'active' && ownedBy(l, pid));
    procs.kill9(name);
    const now = Date.now();
    const record: KillRecord = { atMs: since(now), process: name, pid, shards: held.length, recoveryMs: held.length ? undefined : 0 };
    kills.push(record);
    if (held.length) pending.push({ record, killedAt: now, shards: new Map(held.map((l) => [key(l), formatPosition(l.checkpoint)])) });
    o.out(`  ${(since(now) / 1000).toFixed(1).padStart(6)} s  kill -9 ${name} (pid ${pid}, ${held.length} shard(s))`);
  };

  const stream = settings.config.stream.name;
  const waitActive = () => ensureStream(kinesis, { name: stream, shards: 1, retentionHours: settings.config.stream.retentionHours, pollMs: 100 });
  const act = async (a: ChaosAction) => {
    switch (a.kind) {
      case 'kill-worker':
        return kill(a.worker);
      case 'kill-producer':
        return kill('produce');
      case 'split': {
        let before = new Set<string>();
        let what = '';
        // Chosen again on each attempt: an on-demand reshard may have changed the shards meanwhile.
        await reshard(async () => {
          const open = await openShards(kinesis, stream);
          const [s] = [...open].sort((x, y) => (BigInt(y.HashKeyRange!.EndingHashKey!) - BigInt(y.HashKeyRange!.StartingHashKey!) > BigInt(x.HashKeyRange!.EndingHashKey!) - BigInt(x.HashKeyRange!.StartingHashKey!) ? 1 : -1));
          const mid = ((BigInt(s!.HashKeyRange!.StartingHashKey!) + BigInt(s!.HashKeyRange!.EndingHashKey!)) / 2n).toString();
          before = new Set(open.map((x) => x.ShardId!));
          await kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: s!.ShardId!, NewStartingHashKey: mid }));
          what = `split ${s!.ShardId}`;
        });
        await waitActive();
        splitChildren = new Set((await openShards(kinesis, stream)).map((x) => x.ShardId!).filter((id) => !before.has(id)));
        reshards.push({ atMs: since(Date.now()), what });
        break;
      }
      case 'merge': {
        let what: string | undefined;
        await reshard(async () => {
          const open = await openShards(kinesis, stream);
          // An adjacent pair of open shards (hash ranges touch), preferring one that does not simply undo the split.
          const pairs = open.slice(1).map((y, i) => [open[i]!, y] as const).filter(([x, y]) => BigInt(x.HashKeyRange!.EndingHashKey!) + 1n === BigInt(y.HashKeyRange!.StartingHashKey!));
          pairs.sort((p, q) => Number(p.every((x) => splitChildren.has(x.ShardId!))) - Number(q.every((x) => splitChildren.has(x.ShardId!))));
          const [x, y] = pairs[0] ?? [];
          if (!x || !y) return;
          await kinesis.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: x.ShardId!, AdjacentShardToMerge: y.ShardId! }));
          what = `merge ${x.ShardId} + ${y.ShardId}`;
        });
        if (what) {
          await waitActive();
          reshards.push({ atMs: since(Date.now()), what });
        }
        break;
      }
      case 'restart-db': {
        const at = since(Date.now());
        const r = await db.restart({ downMs: 3_000 });
        dbRestarts.push({ atMs: at, downMs: r.downMs });
        break;
      }
    }
    o.out(`  ${(since(Date.now()) / 1000).toFixed(1).padStart(6)} s  ${a.kind === 'restart-db' ? `MariaDB restarted (down ${((dbRestarts.at(-1)?.downMs ?? 0) / 1000).toFixed(1)} s)` : reshards.at(-1)?.what ?? a.kind}`);
  };

  try {
    await runSetup(settings, { log: o.log });
    const workers: string[] = [];
    for (let i = 1; i <= (o.dashboardWorkers ?? 2); i++) workers.push(`dashboard-${i}`);
    for (let i = 1; i <= (o.archiveWorkers ?? 2); i++) workers.push(`archive-${i}`);
    procs.start('produce', ['produce']);
    for (const w of workers) procs.start(w, ['consume', '--role', w.startsWith('archive') ? 'archive' : 'dashboard'], true);
    const plan = planChaos({ durationMs: chaosMs, workers, seed });
    o.out(
      `chaos: ${workers.length} workers + producer; plan: ${plan.filter((a) => a.kind === 'kill-worker').length} worker kills, 2 producer kills, split, merge, DB restart (logs: ${path.join(dir, 'logs')})`,
    );
    t0 = Date.now();
    const generation = writeGeneratedFiles({
      files,
      rows: rowsPerFile,
      users: USERS,
      onFile: ({ index }) => (publishedAt[index - 1] = Date.now()),
      seed,
      duplicates: o.duplicates ?? 0.1,
      startMs: genStartMs,
      intervalMs: Math.floor(chaosMs / files),
      generatedDir: path.join(dir, 'generated'),
      watchDir: path.join(dir, 'watch'),
    });
    const background: Promise<unknown>[] = [];
    for (const a of plan) {
      const wait = t0 + a.atMs - Date.now();
      if (wait > 0) await delay(wait);
      // The DB restart runs alongside the kills that follow it.
      const p = act(a).catch((err: Error) => o.out(`  chaos action ${a.kind} failed: ${err.message}`));
      if (a.kind === 'restart-db') background.push(p);
      else await p;
    }
    await Promise.all(background);
    await generation;
    o.out(`  ${(since(Date.now()) / 1000).toFixed(1).padStart(6)} s  chaos over, all files generated; draining…`);

    const drainUntil = Date.now() + (o.drainTimeoutMs ?? 300_000);
    const watchDir = path.join(dir, 'watch');
    while ((await readdir(watchDir).catch(() => [])).some((f) => !f.startsWith('.')) && Date.now() < drainUntil) await delay(500);
    await procs.stop(['produce']);
    // Drained when both applications hold every event: under the read limits the archive may trail the dashboard.
    const auditOpts = { inputDir: path.join(dir, 'done'), dashboard: true, archive: true, stream: false };
    for (;;) {
      const r = await runAudit(settings, auditOpts).catch(() => undefined);
      if (r?.ok || Date.now() > drainUntil) break;
      await delay(2_000);
    }
    // Let the monitor see the last kills' shards move again, then stop the archive workers gracefully:
    // each writes and commits what it holds.
    const settleUntil = Math.min(drainUntil, Date.now() + 15_000);
    while (pending.length && Date.now() < settleUntil) await delay(250);
    await procs.stop(workers.filter((w) => w.startsWith('archive')));
    const audit = await runAudit(settings, { ...auditOpts, stream: true });
    const counters = await monitorStore.query<{ name: string; v: number | string }>('SELECT name, SUM(value) AS v FROM counters GROUP BY name');
    const counter = (n: string) => Number(counters.find((c) => c.name === n)?.v ?? 0);
    const report: ChaosReport = {
      ok: audit.ok,
      seconds: (Date.now() - started) / 1000,
      events: { records: audit.input.records, distinct: audit.input.distinctEvents, files: audit.input.files },
      duplicates: { inInput: audit.input.records - audit.input.distinctEvents, absorbed: counter('duplicates_dropped') },
      kills,
      reshards,
      dbRestarts,
      maxLagMs: maxE2eLagMs,
      ...(stack.proxy ? { kinesis: formatProxyStats(stack.proxy) } : {}),
      audit: formatAudit(audit),
    };
    return { ok: audit.ok, report, audit, lines: formatChaosReport(report) };
  } finally {
    monitoring = false;
    await monitor;
    await procs.stop();
    await monitorStore.close().catch(() => undefined);
    kinesis.destroy();
    await stack.close();
    await db.stop();
  }
}
