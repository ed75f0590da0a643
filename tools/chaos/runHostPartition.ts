import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { formatAudit, runAudit, type AuditReport } from '../../src/audit/runAudit.ts';
import { createKinesisClient } from '../../src/aws/awsClients.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import type { LeaseRow } from '../../src/coordinator/LeaseRepository.ts';
import { LeaseStore } from '../../src/coordinator/LeaseStore.ts';
import { DemoProcesses } from '../../src/demo/DemoProcesses.ts';
import { embeddedPipelineEnv } from '../../src/demo/embeddedPipelineEnv.ts';
import { serializeEvent, type UserEvent } from '../../src/events/eventSchema.ts';
import { EventGenerator } from '../../src/generate/EventGenerator.ts';
import { startLocalStack } from '../../src/local/startLocalStack.ts';
import type { Logger } from '../../src/log/createLogger.ts';
import { runSetup } from '../../src/setup/runSetup.ts';
import { openStore } from '../../src/store/openStore.ts';
import { forwardPort, type PortForward } from './forwardPort.ts';
import { skewedClockEnv } from './libfaketime.ts';
import { createHostNetwork, type Host } from './hostNetwork.ts';
import { startThrowawayMariadb } from './throwawayMariadb.ts';

export interface HostPartitionOptions {
  dir: string;
  hosts: number;
  shards: number;
  /** Events sent per second, all run long. */
  eventsPerSecond: number;
  /** How long the partitioned host stays cut off after the others took its shards. */
  partitionExtraMs: number;
  leaseDurationMs: number;
  renewIntervalMs: number;
  /** Runs the last host's worker with its clock this far ahead (libfaketime, e.g. `+30s`). */
  skew?: string;
  /** Before the partition: how long the balanced fleet is watched for lease changes. */
  steadyMs: number;
  seed?: number;
  log: Logger;
  out: (line: string) => void;
}

export interface HostPartitionReport {
  hosts: number;
  shards: number;
  leaseDurationMs: number;
  /** Shards the partitioned host held when it was cut off. */
  partitionedShards: number;
  /** From the cut until every one of its shards had another owner. */
  takeoverMs: number;
  /** Events applied on the other hosts' shards while the host was cut off. */
  appliedByOthersDuringPartition: number;
  /** Longest time without an applied event on the other hosts' shards during the partition, while events kept coming. */
  longestPauseOthersMs: number;
  /** From the heal until the host held a lease again. */
  rejoinMs: number;
  /** Ownership changes per minute while the fleet was balanced and whole (a change = an epoch step). */
  steadyLeaseChangesPerMinute: number;
  /** Leases the cut-off host itself counted lost (it stops working them, even with its queries hanging). */
  leasesLostByPartitioned: number;
  audit: AuditReport;
  ok: boolean;
}

const BIN = fileURLToPath(new URL('../../bin/centos', import.meta.url));
const APP = 'CentosDashboard';

async function waitUntil(what: string, timeoutMs: number, cond: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(200);
  }
}

/**
 * Dashboard workers on separate hosts (network namespaces, one veth link each) share one MariaDB and
 * Kinesis. While events flow, one host that holds leases is cut off from both (its link goes down:
 * no FIN, no RST), then healed. Measures the takeover, the others' progress during the cut and the
 * rejoin; audits the dashboard DB against every event sent.
 */
export async function runHostPartition(o: HostPartitionOptions): Promise<HostPartitionReport> {
  const dir = path.resolve(o.dir);
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  await mkdir(path.join(dir, 'input'), { recursive: true });
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31);
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const db = await startThrowawayMariadb(path.join(dir, 'mariadb'));
    closers.push(() => db.stop());
    const stack = await startLocalStack({ dataDir: path.join(dir, 'local'), kinesisPort: 0, s3Port: 0, persist: false, streamDelayMs: 0 });
    closers.push(() => stack.close());
    const env = embeddedPipelineEnv({ stack, dir, dbUrl: db.url, name: 'centos-hosts', shards: o.shards, archiveFlushAgeMs: 3000 });
    const settings = loadConfig({ env, flags: {} });
    await runSetup(settings, { log: o.log, skip: { bucket: true } });

    const net = await createHostNetwork(o.hosts);
    closers.push(() => net.close());
    const kinesisPort = Number(new URL(stack.kinesisEndpoint).port);
    const forwards: PortForward[] = [];
    for (const h of net.hosts) forwards.push(await forwardPort(h.gateway, db.port), await forwardPort(h.gateway, kinesisPort));
    closers.push(() => Promise.all(forwards.map((f) => f.close())));
    if (o.skew) o.out(`clock: ${net.hosts.at(-1)!.name} runs ${o.skew} (libfaketime)`);
    o.out(`hosts: ${o.hosts} network namespaces (${net.hosts.map((h) => h.address).join(', ')}), each reaching MariaDB and Kinesis over its own link; ${o.shards} shards, lease ${o.leaseDurationMs} ms, renew ${o.renewIntervalMs} ms`);

    const workers = new Map<string, DemoProcesses>();
    for (const h of net.hosts) {
      const clock = o.skew && h === net.hosts.at(-1) ? skewedClockEnv(o.skew) : {};
      const hostEnv = embeddedPipelineEnv({
        stack: { kinesisEndpoint: `http://${h.gateway}:${kinesisPort}`, s3Endpoint: stack.s3Endpoint },
        dir,
        dbUrl: `mysql://root@${h.gateway}:${db.port}/centos`,
        name: 'centos-hosts',
        shards: o.shards,
        archiveFlushAgeMs: 3000,
        extra: {
          // Not a loopback endpoint: the SDK would look for credentials; these are the emulator's.
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_REGION: 'us-east-1',
          CENTOS_COORDINATOR_LEASE_DURATION_MS: String(o.leaseDurationMs),
          CENTOS_COORDINATOR_RENEW_INTERVAL_MS: String(o.renewIntervalMs),
          ...clock,
        },
      });
      const procs = new DemoProcesses(hostEnv, path.join(dir, 'logs'), o.log, { command: 'ip', args: ['netns', 'exec', h.netns, process.execPath, BIN] });
      procs.start(h.name, ['consume', '--role', 'dashboard', '--worker-id', h.name]);
      workers.set(h.name, procs);
    }
    closers.push(() => Promise.all([...workers.values()].map((p) => p.stop())));

    const monitor = openStore(db.url);
    closers.push(() => monitor.close());
    const leases = new LeaseStore(monitor);
    const held = (rows: LeaseRow[], h: Host) => rows.filter((l) => l.owner === h.name && l.state === 'active');
    const t0 = Date.now();
    const epochsAt = async () => (await leases.listLeases(APP)).reduce((n, l) => n + l.epoch, 0);

    // Events flow all run long, from outside the hosts.
    const kinesis = createKinesisClient(settings.config);
    closers.push(async () => kinesis.destroy());
    const gen = new EventGenerator({ seed, users: 500, duplicates: 0.05, startMs: Date.now() });
    const sent: UserEvent[] = [];
    let producing = true;
    const producer = (async () => {
      const per = Math.max(1, Math.round(o.eventsPerSecond / 4));
      while (producing) {
        const batch = Array.from({ length: per }, () => gen.next());
        const r = await kinesis.send(new PutRecordsCommand({ StreamName: 'centos-hosts', Records: batch.map((e) => ({ PartitionKey: e.userid, Data: Buffer.from(serializeEvent(e)) })) }));
        if (r.FailedRecordCount) throw new Error(`${r.FailedRecordCount} records refused by Kinesis`);
        sent.push(...batch);
        await delay(250);
      }
    })();
    closers.push(async () => {
      producing = false;
      await producer.catch(() => undefined);
    });

    const share = Math.floor(o.shards / o.hosts);
    await waitUntil('every host to hold its share', 90_000, async () => {
      const rows = await leases.listLeases(APP);
      return net.hosts.every((h) => held(rows, h).length >= share);
    });
    const epochsStart = await epochsAt();
    const tStart = Date.now();
    await delay(o.steadyMs);
    const steadyLeaseChangesPerMinute = ((await epochsAt()) - epochsStart) * (60_000 / (Date.now() - tStart));
    o.out(`${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  balanced for ${(o.steadyMs / 1000).toFixed(0)} s: ${steadyLeaseChangesPerMinute.toFixed(1)} lease changes/min`);

    const victim = net.hosts[0]!;
    const atCut = await leases.listLeases(APP);
    const victimShards = held(atCut, victim).map((l) => l.shardId);
    const othersShards = atCut.filter((l) => l.state === 'active' && !victimShards.includes(l.shardId)).map((l) => l.shardId);
    const appliedOnOthers = async () => {
      const [row] = await monitor.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM events WHERE shard_id IN (${othersShards.map(() => '?').join(', ')})`, othersShards);
      return Number(row?.n ?? 0);
    };
    await net.partition(victim);
    const cutAt = Date.now();
    o.out(`${((cutAt - t0) / 1000).toFixed(1).padStart(6)} s  ${victim.name} cut off from MariaDB and Kinesis while holding ${victimShards.length} shard(s)`);
    const appliedAtCut = await appliedOnOthers();
    let lastApplied = appliedAtCut;
    let lastProgressAt = cutAt;
    let longestPause = 0;
    let takeoverAt: number | undefined;
    const deadline = cutAt + o.leaseDurationMs * 6 + 60_000;
    while (takeoverAt === undefined || Date.now() < takeoverAt + o.partitionExtraMs) {
      if (Date.now() > deadline) throw new Error(`${victim.name}'s shards were not taken over within ${deadline - cutAt} ms`);
      const n = await appliedOnOthers();
      const now = Date.now();
      if (n > lastApplied) {
        longestPause = Math.max(longestPause, now - lastProgressAt);
        lastApplied = n;
        lastProgressAt = now;
      }
      if (takeoverAt === undefined) {
        const rows = await leases.listLeases(APP);
        if (victimShards.every((s) => rows.some((l) => l.shardId === s && l.owner !== null && l.owner !== victim.name))) {
          takeoverAt = now;
          o.out(`${((now - t0) / 1000).toFixed(1).padStart(6)} s  its shards taken over after ${((now - cutAt) / 1000).toFixed(1)} s`);
        }
      }
      await delay(200);
    }
    longestPause = Math.max(longestPause, Date.now() - lastProgressAt);
    const appliedDuring = (await appliedOnOthers()) - appliedAtCut;

    await net.heal(victim);
    const healAt = Date.now();
    o.out(`${((healAt - t0) / 1000).toFixed(1).padStart(6)} s  ${victim.name} healed`);
    await waitUntil(`${victim.name} to hold a lease again`, 120_000, async () => held(await leases.listLeases(APP), victim).length > 0);
    const rejoinMs = Date.now() - healAt;
    o.out(`${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${victim.name} rejoined after ${(rejoinMs / 1000).toFixed(1)} s`);

    producing = false;
    await producer;
    await writeFile(path.join(dir, 'input', 'events.json'), JSON.stringify(sent));
    const distinct = new Set(sent.map((e) => e.eventId)).size;
    await waitUntil('every event applied', 120_000, async () => {
      const [row] = await monitor.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM events');
      return Number(row?.n ?? 0) >= distinct;
    });
    await Promise.all([...workers.values()].map((p) => p.stop()));
    const victimLog = await readFile(path.join(dir, 'logs', `${victim.name}.log`), 'utf8');
    const leasesLostByPartitioned = victimLog.split('\n').filter((l) => l.includes('"msg":"lease lost; dropping shard"')).length;
    const audit = await runAudit(settings, { inputDir: path.join(dir, 'input'), dashboard: true, archive: false, stream: false });
    for (const line of formatAudit(audit)) o.out(`audit  ${line}`);

    const report: HostPartitionReport = {
      hosts: o.hosts,
      shards: o.shards,
      leaseDurationMs: o.leaseDurationMs,
      partitionedShards: victimShards.length,
      takeoverMs: takeoverAt! - cutAt,
      appliedByOthersDuringPartition: appliedDuring,
      longestPauseOthersMs: longestPause,
      rejoinMs,
      steadyLeaseChangesPerMinute,
      leasesLostByPartitioned,
      audit,
      ok: audit.ok && victimShards.length > 0 && appliedDuring > 0 && leasesLostByPartitioned >= victimShards.length,
    };
    o.out(
      `result: takeover ${(report.takeoverMs / 1000).toFixed(1)} s (lease ${o.leaseDurationMs / 1000} s); the other hosts applied ${appliedDuring} events during the cut, longest pause ${(longestPause / 1000).toFixed(1)} s; ${victim.name} counted ${leasesLostByPartitioned} lease(s) lost; rejoin ${(rejoinMs / 1000).toFixed(1)} s; ${report.ok ? 'OK' : 'FAILED'}`,
    );
    return report;
  } finally {
    await close();
  }
}
