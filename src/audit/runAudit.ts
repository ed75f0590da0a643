import path from 'node:path';
import { configuredObjectStore } from '../archive/s3ObjectStore.ts';
import { createKinesisClient } from '../aws/awsClients.ts';
import type { Settings } from '../config/loadConfig.ts';
import { CentosError } from '../errors.ts';
import { sdkKinesisReadPort } from '../kinesis/KinesisReadPort.ts';
import { openConfiguredStore } from '../store/openStore.ts';
import { isMissingTable } from '../store/StoreError.ts';
import { archiveViolations, auditArchive, type ArchiveAudit } from './auditArchive.ts';
import { auditDashboard, type DashboardAudit } from './auditDashboard.ts';
import { readInputEvents } from './readInputEvents.ts';
import { readStreamPositions } from './readStreamPositions.ts';

export interface AuditReport {
  ok: boolean;
  input: { dir: string; files: number; records: number; distinctEvents: number; invalidRecords: number; unreadableFiles: string[] };
  dashboard?: DashboardAudit;
  archive?: ArchiveAudit;
}

export interface AuditOptions {
  inputDir: string;
  dashboard: boolean;
  archive: boolean;
  /** Also read the stream and check that every record in it is in the committed archive. */
  stream: boolean;
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
    if (o.dashboard) {
      report.dashboard = await auditDashboard(store, input.events);
      if (dashboardViolations(report.dashboard) > 0) report.ok = false;
    }
    if (o.archive) {
      const s3 = configuredObjectStore(config);
      const kinesis = o.stream ? createKinesisClient(config) : undefined;
      try {
        const positions = kinesis ? await readStreamPositions(sdkKinesisReadPort(kinesis, config.stream.name)) : undefined;
        report.archive = await auditArchive({ store, objectStore: s3.objectStore, app: config.apps.archive }, input.events.keys(), positions);
        if (archiveViolations(report.archive) > 0) report.ok = false;
      } finally {
        s3.close();
        kinesis?.destroy();
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
  const total = (r.dashboard ? dashboardViolations(r.dashboard) : 0) + (r.archive ? archiveViolations(r.archive) : 0);
  lines.push(r.ok ? 'OK: every event exactly once, in order.' : `FAILED: ${total} violation(s).`);
  return lines;
}
