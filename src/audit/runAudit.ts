import path from 'node:path';
import { configuredObjectStore } from '../archive/s3ObjectStore.ts';
import { createKinesisClient } from '../aws/awsClients.ts';
import type { Settings } from '../config/loadConfig.ts';
import { CentosError } from '../errors.ts';
import { sdkKinesisReadPort } from '../kinesis/KinesisReadPort.ts';
import { readerOptions } from '../consumers/readerOptions.ts';
import { createReadCounters, type ReadCounters } from '../kinesis/ShardReader.ts';
import { createLogger, type Logger } from '../log/createLogger.ts';
import { openConfiguredStore } from '../store/openStore.ts';
import { isMissingTable } from '../store/StoreError.ts';
import { archiveViolations, auditArchive, type ArchiveAudit } from './auditArchive.ts';
import { auditDashboard, type DashboardAudit } from './auditDashboard.ts';
import { readInputEvents } from './readInputEvents.ts';
import { auditStreamView, streamViolations, type StreamAudit } from './auditStreamView.ts';
import { readKclView, type KclView } from './readKclView.ts';

export interface AuditReport {
  ok: boolean;
  input: { dir: string; files: number; records: number; distinctEvents: number; invalidRecords: number; unreadableFiles: string[] };
  dashboard?: DashboardAudit;
  archive?: ArchiveAudit;
  /** With --stream: the stream as a KCL application reads it, and what reading it cost. */
  stream?: StreamAudit & { reads: ReadCounters };
}

export interface AuditOptions {
  inputDir: string;
  dashboard: boolean;
  archive: boolean;
  /** Also read the stream as a KCL application does: check it against the input, and that every record in it is archived. */
  stream: boolean;
  log?: Logger;
}

export function dashboardViolations(d: DashboardAudit): number {
  return d.missing + d.duplicated + d.orderViolations + d.fieldMismatches;
}

/** Reconciles the input files with the dashboard DB and the committed S3 archive. */
export async function runAudit(settings: Settings, o: AuditOptions): Promise<AuditReport> {
  const { config } = settings;
  const dir = path.resolve(o.inputDir);
  const input = await readInputEvents(dir).catch((err: NodeJS.ErrnoException) => {
    throw new CentosError(`cannot read input directory ${dir}: ${err.code ?? err.message}`, { exitCode: 2 });
  });
  const report: AuditReport = {
    ok: true,
    input: { dir, files: input.files, records: input.records, distinctEvents: input.events.size, invalidRecords: input.invalid, unreadableFiles: input.unreadable },
  };
  const store = openConfiguredStore(settings, 'long');
  try {
    let view: KclView | undefined;
    if (o.stream) {
      // One attempt per SDK call: the reader paces and retries throttling itself, within this application's read share.
      const kinesis = createKinesisClient(config, { retryLayer: 'ours' });
      const reads = createReadCounters();
      try {
        const log = (o.log ?? silentLogger()).child({ component: 'audit' });
        view = await readKclView({ kinesis: sdkKinesisReadPort(kinesis, config.stream.name), options: readerOptions(config.coordinator), counters: reads, log });
      } finally {
        kinesis.destroy();
      }
      report.stream = { ...auditStreamView(view.shards, view.records, input.events, reads.subRecordsDropped), reads };
      if (streamViolations(report.stream) > 0) report.ok = false;
    }
    if (o.dashboard) {
      report.dashboard = await auditDashboard(store, input.events);
      if (dashboardViolations(report.dashboard) > 0) report.ok = false;
    }
    if (o.archive) {
      const s3 = configuredObjectStore(config, 'sdk');
      try {
        const positions = view ? new Set([...view.records.values()].flatMap((rs) => rs.map((r) => `${r.shardId}/${r.seq}/${r.sub}`))) : undefined;
        report.archive = await auditArchive({ store, objectStore: s3.objectStore, app: config.apps.archive }, input.events.keys(), positions);
        if (archiveViolations(report.archive) > 0) report.ok = false;
      } finally {
        s3.close();
      }
    }
  } catch (err) {
    if (isMissingTable(err)) throw new CentosError(`database ${store.description} has no centos schema yet; run \`centos setup\` first`);
    throw err;
  } finally {
    await store.close();
  }
  return report;
}

/** The human summary `centos audit` and `centos demo` print. */
export function formatAudit(r: AuditReport): string[] {
  const i = r.input;
  const lines = [`input      ${i.dir}: ${i.files} files, ${i.records} records, ${i.distinctEvents} distinct events, ${i.invalidRecords} invalid (dead letters)${i.unreadableFiles.length ? `, ${i.unreadableFiles.length} unreadable` : ''}`];
  if (r.dashboard) {
    const d = r.dashboard;
    lines.push(`dashboard  found ${d.found}/${d.expected} · missing ${d.missing} · duplicated ${d.duplicated} · out of order ${d.orderViolations} · fields differ ${d.fieldMismatches}`);
    lines.push(...d.examples.map((e) => `  ${e}`));
  }
  if (r.archive) {
    const a = r.archive;
    const stream = a.streamRecordsMissing === undefined ? '' : ` · stream records not archived ${a.streamRecordsMissing}`;
    lines.push(`archive    ${a.records} committed records · events missing ${a.missing} · positions twice ${a.duplicatedPositions} · out of shard order ${a.orderViolations}${stream}`);
    lines.push(...a.examples.map((e) => `  ${e}`));
  }
  if (r.stream) {
    const s = r.stream;
    lines.push(
      `stream     as a KCL reads it: ${s.records} records · events missing ${s.missing} · out of per-user order ${s.orderViolations} · users on sibling shards ${s.usersOnSiblingShards}` +
        ` · dropped outside their shard's range ${s.droppedOutOfRange} (re-sent copies, expected) · extra copies ${s.extraCopies} · not events ${s.unreadable}`,
    );
    lines.push(`           read with ${s.reads.getRecordsCalls} GetRecords calls, ${s.reads.readsThrottled} throttled`);
    lines.push(...s.examples.map((e) => `  ${e}`));
  }
  const total = (r.dashboard ? dashboardViolations(r.dashboard) : 0) + (r.archive ? archiveViolations(r.archive) : 0) + (r.stream ? streamViolations(r.stream) : 0);
  lines.push(r.ok ? 'OK: every event exactly once, in order.' : `FAILED: ${total} violation(s).`);
  return lines;
}

function silentLogger(): Logger {
  return createLogger({ level: 'silent', pretty: false });
}
