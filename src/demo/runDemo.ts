import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { formatAudit, runAudit, type AuditReport } from '../audit/runAudit.ts';
import { loadConfig } from '../config/loadConfig.ts';
import { consumerRoles } from '../consumers/consumerRoles.ts';
import { formatProxyStats } from '../local/formatProxyStats.ts';
import type { Logger } from '../log/createLogger.ts';
import { runSetup } from '../setup/runSetup.ts';
import { freePort } from '../util/freePort.ts';
import { DemoProcesses } from './DemoProcesses.ts';
import { embeddedPipelineEnv } from './embeddedPipelineEnv.ts';
import { startEmbeddedStack } from './startEmbeddedStack.ts';

export interface DemoOptions {
  dir: string;
  port: number;
  durationS?: number;
  chaos: boolean;
  dbUrl?: string;
  log: Logger;
  signal: AbortSignal;
  out: (line: string) => void;
  /** Run on the faithful local Kinesis (AWS limits, quotas, expiry); with chaos also on-demand resharding. */
  faithful: boolean;
  /** The dashboard and archive read by enhanced fan-out (needs the faithful local Kinesis). */
  efo?: boolean;
  /** Seconds between files of the continuous generator. */
  fileEveryMs?: number;
  rowsPerFile?: number;
}

export interface DemoResult {
  ok: boolean;
  report?: AuditReport;
  chaosKills: number;
}

/** Thresholds at which the demo's load (~90 KB/s over 4 shards, measured) splits and merges now and then. */
const DEMO_ON_DEMAND = { intervalMs: 10_000, splitAboveBytesPerSec: 25_000, mergeBelowBytesPerSec: 10_000, minShards: 2, maxShards: 8 };

const sleep = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined);

/**
 * Everything on the embedded stack: setup, a continuous generator, the producer, two dashboard
 * workers and an archive worker as separate processes of this binary, the scheduler and the web
 * dashboard. With a duration it drains, audits, and reports.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const runId = randomBytes(3).toString('hex');
  const dir = path.resolve(o.dir);
  const sqlite = !o.dbUrl;
  // A fresh start each run: kinesalite keeps its stream in memory, so old checkpoints would be meaningless.
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  const stack = await startEmbeddedStack(dir, o.log, o.faithful ? (o.chaos ? { onDemand: DEMO_ON_DEMAND } : {}) : undefined);
  const dbUrl = o.dbUrl ?? `sqlite:${path.join(dir, 'centos.db')}`;
  const env = embeddedPipelineEnv({
    stack,
    dir,
    dbUrl,
    name: 'centos-demo',
    shards: 4,
    archiveFlushAgeMs: 5000,
    extra: {
      ...(process.env.CENTOS_DB_PASSWORD ? { CENTOS_DB_PASSWORD: process.env.CENTOS_DB_PASSWORD } : {}),
      // On a shared MySQL, each run gets its own applications (leases and checkpoints).
      ...(sqlite ? {} : { CENTOS_APPS_DASHBOARD: `CentosDashboard-demo-${runId}`, CENTOS_APPS_ARCHIVE: `CentosArchiver-demo-${runId}` }),
      CENTOS_SERVER_PORT: String(o.port),
      CENTOS_SCHEDULER_INTERVAL_MS: '2000',
      CENTOS_SCHEDULER_LEASE_DURATION_MS: '5000',
      ...(o.efo ? { CENTOS_CONSUMER_MODE_DASHBOARD: 'efo', CENTOS_CONSUMER_MODE_ARCHIVE: 'efo' } : {}),
    },
  });

  const settings = loadConfig({ env, flags: {} });
  const procs = new DemoProcesses(env, path.join(dir, 'logs'), o.log);
  let chaosKills = 0;
  try {
    await runSetup(settings, { log: o.log });
    o.out(`embedded Kinesis ${stack.kinesisEndpoint}${stack.proxy ? ` (faithful: AWS limits, quotas, expiry${o.chaos ? ', on-demand resharding' : ''}${o.efo ? '; consumers read by enhanced fan-out' : ''})` : ''} · S3 ${stack.s3Endpoint} · DB ${dbUrl.replace(/:[^:@/]+@/, ':***@')}`);
    procs.start('generate', ['generate', '1000000', String(o.rowsPerFile ?? 500), '--interval-ms', String(o.fileEveryMs ?? 2000), '--duplicates', '0.05', '--users', '500']);
    // Each role serves its own /metrics on a port fixed for the run, so a restarted worker keeps its URL.
    const metricsUrls: string[] = [];
    const startWithMetrics = async (name: string, args: string[], killable = false) => {
      const port = await freePort();
      procs.start(name, [...args, '--metrics-port', String(port)], killable);
      metricsUrls.push(`${name} http://127.0.0.1:${port}/metrics`);
    };
    await startWithMetrics('produce', ['produce']);
    const workers = ['dashboard-1', 'dashboard-2'];
    await startWithMetrics('dashboard-1', ['consume', '--role', 'dashboard'], true);
    await startWithMetrics('dashboard-2', ['consume', '--role', 'dashboard'], true);
    if (consumerRoles.archive) {
      await startWithMetrics('archive-1', ['consume', '--role', 'archive'], true);
      workers.push('archive-1');
    }
    await startWithMetrics('schedule', ['schedule']);
    procs.start('serve', ['serve']);
    o.out(`dashboard  http://127.0.0.1:${o.port}/`);
    o.out(`metrics    ${[...metricsUrls, `serve http://127.0.0.1:${o.port}/metrics`].join('\n           ')}`);
    o.out(`logs       ${path.join(dir, 'logs')}`);
    o.out(o.durationS ? `running for ${o.durationS} s${o.chaos ? ' with chaos (kill -9 of a random worker every few seconds)' : ''}…` : 'Ctrl-C to stop.');

    const until = o.durationS ? Date.now() + o.durationS * 1000 : Infinity;
    while (!o.signal.aborted && Date.now() < until) {
      await sleep(o.chaos ? 3_000 + Math.floor(Math.random() * 4_000) : Math.min(1_000, Math.max(0, until - Date.now())), o.signal);
      if (o.chaos && !o.signal.aborted && Date.now() < until) {
        const victim = workers[Math.floor(Math.random() * workers.length)]!;
        const pid = procs.all.get(victim)?.child.pid;
        procs.kill9(victim);
        chaosKills++;
        o.out(`chaos: kill -9 ${victim} (pid ${pid}); restarting it`);
      }
    }
    if (!o.durationS) {
      o.out('stopping…');
      return { ok: true, chaosKills };
    }

    o.out('duration reached: stopping the generator and draining the pipeline…');
    await procs.stop(['generate']);
    const drainUntil = Date.now() + 120_000;
    const watchDir = path.join(dir, 'watch');
    while ((await readdir(watchDir).catch(() => [])).some((f) => !f.startsWith('.')) && Date.now() < drainUntil) await delay(500);
    await procs.stop(['produce']);
    let report: AuditReport;
    // Drained when both applications have every event: an archive worker restarted by the last kill may
    // still be waiting for the dead one's leases to expire, and its objects commit after archive.flushAgeMs.
    for (;;) {
      report = await runAudit(settings, { inputDir: path.join(dir, 'done'), dashboard: true, archive: Boolean(consumerRoles.archive), stream: false });
      if (report.ok || Date.now() > drainUntil) break;
      await delay(2_000);
    }
    // Caught up. Stop the archive workers gracefully: each writes and commits what it holds.
    await procs.stop(workers.filter((w) => w.startsWith('archive')));
    report = await runAudit(settings, { inputDir: path.join(dir, 'done'), dashboard: true, archive: Boolean(consumerRoles.archive), stream: Boolean(consumerRoles.archive) });
    for (const line of formatAudit(report)) o.out(`  ${line}`);
    if (o.chaos) o.out(`  chaos: ${chaosKills} workers killed with kill -9 during the run`);
    if (stack.proxy) o.out(`  kinesis: ${formatProxyStats(stack.proxy)}`);
    const ok = report.ok;
    return { ok, report, chaosKills };
  } finally {
    await procs.stop();
    await stack.close();
  }
}
