export interface KillRecord {
  /** ms since the start of the run */
  atMs: number;
  process: string;
  pid: number | undefined;
  /** shards the killed process held at the moment of the kill */
  shards: number;
  /** ms until every one of those shards was held by a live worker again and moving; undefined = not seen */
  recoveryMs: number | undefined;
}

export interface ChaosReport {
  ok: boolean;
  seconds: number;
  events: { records: number; distinct: number; files: number };
  duplicates: { inInput: number; absorbed: number };
  kills: KillRecord[];
  reshards: { atMs: number; what: string }[];
  dbRestarts: { atMs: number; downMs: number }[];
  maxLagMs: number | undefined;
  /** What the faithful local Kinesis saw (throttling, expiry, on-demand reshards), when the run was on it. */
  kinesis?: string;
  audit: string[];
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** The one-screen summary of a chaos run. */
export function formatChaosReport(r: ChaosReport): string[] {
  const lines: string[] = [];
  const workerKills = r.kills.filter((k) => k.process !== 'produce');
  const producerKills = r.kills.filter((k) => k.process === 'produce');
  lines.push(`chaos run  ${secs(r.seconds * 1000)} · ${r.ok ? 'CLEAN' : 'VIOLATIONS FOUND'}`);
  lines.push(`events     ${r.events.records} records in ${r.events.files} files · ${r.events.distinct} distinct`);
  lines.push(`duplicates ${r.duplicates.inInput} in the input · ${r.duplicates.absorbed} absorbed by the dashboard (input + redeliveries)`);
  const byProcess = new Map<string, number>();
  for (const k of r.kills) byProcess.set(k.process, (byProcess.get(k.process) ?? 0) + 1);
  lines.push(`kills      ${r.kills.length} × kill -9 (${[...byProcess].map(([p, n]) => `${p} ${n}`).join(', ') || 'none'})`);
  lines.push(`reshards   ${r.reshards.length}: ${r.reshards.map((x) => `${x.what} at ${secs(x.atMs)}`).join('; ') || 'none'}`);
  lines.push(`db         ${r.dbRestarts.length} restart(s)${r.dbRestarts.map((x) => ` at ${secs(x.atMs)} (down ${secs(x.downMs)})`).join(',')}`);
  lines.push(`max lag    ${r.maxLagMs === undefined ? 'n/a' : secs(r.maxLagMs)} end to end (file published → its events applied in the dashboard DB)`);
  const rec = workerKills.filter((k) => k.shards > 0 && k.recoveryMs !== undefined).map((k) => k.recoveryMs!).sort((a, b) => a - b);
  lines.push(
    `recovery   ${rec.length ? `median ${secs(quantile(rec, 0.5))} · max ${secs(rec[rec.length - 1]!)} over ${rec.length} kills of a worker holding shards` : 'n/a'}`,
  );
  const perKill = workerKills.map((k) => `${k.process}@${secs(k.atMs)}:${k.shards === 0 ? 'idle' : k.recoveryMs === undefined ? '?' : secs(k.recoveryMs)}`);
  const perLine = 5;
  for (let i = 0; i < perKill.length; i += perLine) lines.push(`  ${perKill.slice(i, i + perLine).join('  ')}`);
  if (producerKills.length) lines.push(`  producer killed at ${producerKills.map((k) => secs(k.atMs)).join(', ')} and restarted`);
  if (r.kinesis) lines.push(`kinesis    ${r.kinesis}`);
  lines.push(...r.audit.map((l) => `audit      ${l}`));
  return lines;
}
