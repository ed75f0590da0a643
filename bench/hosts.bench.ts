// Multi-host figures (issue 14): three dashboard workers in their own network namespaces, one with its
// clock 30 s ahead (libfaketime); lease changes per minute of the balanced fleet over 60 s; then one host
// holding leases is cut off from MariaDB and Kinesis: takeover time, events the other hosts applied
// meanwhile and their longest pause; the heal and rejoin; the audit. Needs root (ip netns) and mariadbd.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { netnsUnavailable } from '../tools/chaos/hostNetwork.ts';
import { runHostPartition } from '../tools/chaos/runHostPartition.ts';
import { mariadbAvailable } from '../tools/chaos/throwawayMariadb.ts';
import { createLogger } from '../src/log/createLogger.ts';

const why = (await mariadbAvailable()) ? await netnsUnavailable() : 'no MariaDB server binaries';
if (why) {
  process.stdout.write(`hosts benchmark skipped: ${why}\n`);
} else {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'centos-hosts-bench-'));
  try {
    const lease = 5_000;
    const r = await runHostPartition({
      dir,
      hosts: 3,
      shards: 6,
      eventsPerSecond: 200,
      partitionExtraMs: 5_000,
      leaseDurationMs: lease,
      renewIntervalMs: 1_000,
      steadyMs: 60_000,
      skew: '+30s',
      seed: 14,
      log: createLogger({ level: 'warn', pretty: false }),
      out: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(
      [
        '',
        '| figure | value |',
        '|---|---|',
        `| lease changes per minute, balanced fleet, one host +30 s | ${r.steadyLeaseChangesPerMinute.toFixed(1)} |`,
        `| takeover after the cut (lease ${lease / 1000} s, renew 1 s, planner 0.5 s) | ${(r.takeoverMs / 1000).toFixed(1)} s (${(r.takeoverMs / lease).toFixed(2)} × lease) |`,
        `| events applied by the other hosts during the cut | ${r.appliedByOthersDuringPartition} |`,
        `| their longest pause during the cut (events sent every 0.25 s) | ${(r.longestPauseOthersMs / 1000).toFixed(1)} s |`,
        `| rejoin after the heal | ${(r.rejoinMs / 1000).toFixed(1)} s |`,
        `| audit | ${r.audit.ok ? 'every event exactly once, in order' : 'VIOLATIONS'} |`,
        '',
      ].join('\n'),
    );
    process.exitCode = r.ok ? 0 : 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
