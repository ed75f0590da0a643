/**
 * Coordination at scale, by simulation: the real PlanCycle, LeaseKeeper and ShardDiscovery of
 * many workers on the in-memory lease repository and a manual clock (no database, no Kinesis).
 * Scenario: a staggered join, a quiet spell (steady load), crashes, graceful leaves, joins,
 * workers cut off from the database (their leases expire while they run on) and back, a reshard. Per event: planning cycles to a balanced share, the largest spread, lease changes, and
 * the SQL the lease table would have carried (LeaseStore's statements per repository call).
 * Run: npm run bench:coordination  [-- --shards 10000 --workers 500 …]
 */
import { parseArgs } from 'node:util';
import { defaultTimings, runCoordinationScenario, type EventReport } from '../test/helpers/coordinationSim.ts';
import type { SqlLoad } from '../test/helpers/countingLeaseRepository.ts';

const { values: v } = parseArgs({
  options: {
    shards: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '500' },
    'join-spread-s': { type: 'string', default: '30' },
    crash: { type: 'string' },
    leave: { type: 'string' },
    join: { type: 'string' },
    'cut-off': { type: 'string' },
    reshard: { type: 'string', default: '0.1' },
    'take-ms': { type: 'string', default: String(defaultTimings.takeIntervalMs) },
    'max-cycles': { type: 'string', default: '60' },
  },
});
const workers = Number(v.workers);
const share = (x: string | undefined) => (x === undefined ? Math.max(1, Math.round(workers * 0.05)) : Number(x));
const timings = { ...defaultTimings, takeIntervalMs: Number(v['take-ms']) };

/** The writer we size against; see bench/notes.md ("Coordination at scale") for the sources. */
const AURORA = { statementsPerSec: 20_000, rowsReadPerSec: 1_000_000 };

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const rate = (load: SqlLoad, ms: number, per = 1) => ({
  statements: load.statements / (ms / 1000) / per,
  commits: load.commits / (ms / 1000) / per,
  rowsRead: load.rowsRead / (ms / 1000) / per,
});

console.log(
  `coordination simulation: ${fmt(Number(v.shards))} shards, ${workers} workers; lease ${timings.leaseDurationMs / 1000} s, renew ${timings.renewIntervalMs / 1000} s, take ${timings.takeIntervalMs / 1000} s, shard sync ${timings.shardSyncIntervalMs / 1000} s`,
);
const r = await runCoordinationScenario({
  shards: Number(v.shards),
  workers,
  joinSpreadMs: Number(v['join-spread-s']) * 1000,
  crash: share(v.crash),
  leave: share(v.leave),
  join: share(v.join),
  cutOff: share(v['cut-off']),
  reshardFraction: Number(v.reshard),
  timings,
  maxCycles: Number(v['max-cycles']),
  stableCycles: 3,
  steadyMs: 30_000,
  progress: (line) => process.stderr.write(`  ${line}\n`),
});

const row = (e: EventReport) => {
  const rt = rate(e.load, e.simMs);
  const balanced = e.cycles === null ? `> ${r.options.maxCycles}` : `${e.cycles} (${(e.toBalancedMs! / 1000).toFixed(1)} s)`;
  return `| ${e.name} | ${balanced} | ${e.workers} / ${fmt(e.leasable)} | ${e.maxSpread} | ${e.maxUnheld} | ${e.changes.taken} / ${e.changes.stolen} / ${e.changes.lost} / ${e.changes.released} | ${fmt(rt.statements)} (${(rt.statements / e.workers).toFixed(1)}) | ${fmt(rt.rowsRead)} | ${(e.realMs / 1000).toFixed(1)} s |`;
};
console.log('\n| event | cycles (clock time) to balanced | workers / leasable | max spread | max unheld | taken / stolen / lost / released | statements/s (per worker) | rows read/s | real |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const e of r.events) console.log(row(e));

const s = r.steady;
const total = rate(s.load, s.simMs);
const per = rate(s.load, s.simMs, s.workers);
const c = s.calls;
const perSec = (n: number) => fmt(n / (s.simMs / 1000));
console.log(`\nsteady state (${s.simMs / 1000} s, ${s.workers} workers, nothing changing), as SQL on the lease table:`);
console.log(`  total:      ${fmt(total.statements)} statements/s (${fmt(total.commits)} commits/s), ${fmt(total.rowsRead)} rows read/s`);
console.log(`  per worker: ${per.statements.toFixed(1)} statements/s, ${fmt(per.rowsRead)} rows read/s`);
console.log(
  `  calls/s:    renew ${perSec(c.renew)}, heartbeat ${perSec(c.heartbeat)}, plan (now + listLeases + listWorkers) ${perSec(c.listLeases)} × 3, addShards ${perSec(c.addShards)}, claim ${perSec(c.claim)}, release ${perSec(c.release)}`,
);
console.log(`  rows read/s: listLeases ${perSec(c.listLeasesRows)}, addShards ${perSec(c.addShardsRowsRead)}, listWorkers ${perSec(c.listWorkersRows)}`);
console.log(
  `  vs one Aurora writer at ${fmt(AURORA.statementsPerSec)} statements/s and ${fmt(AURORA.rowsReadPerSec)} rows read/s: statements ${(total.statements / AURORA.statementsPerSec).toFixed(2)}×, rows read ${(total.rowsRead / AURORA.rowsReadPerSec).toFixed(2)}× of it`,
);

const worst = Math.max(...r.events.map((e) => e.cycles ?? Infinity));
console.log(`\ntargets: balanced within 10 cycles after every event: ${worst <= 10 ? 'met' : 'MISSED'} (worst ${worst === Infinity ? `> ${r.options.maxCycles}` : worst});`);
console.log(`  no lease owned by two live workers: ${r.violationCount === 0 ? 'met' : `VIOLATED ${r.violationCount} times`} (${fmt(r.checks)} checks, one after every lease-changing call plus a sweep every half cycle)`);
for (const line of r.violations.slice(0, 5)) console.log(`  ${line}`);
console.log(`  writer load: ${total.statements <= AURORA.statementsPerSec / 2 && total.rowsRead <= AURORA.rowsReadPerSec / 2 ? 'met' : 'MISSED'} (target: at most half the assumed writer)`);
console.log(`\nsimulated in ${(r.realMs / 1000).toFixed(0)} s real`);
