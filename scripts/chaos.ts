// npm run chaos [-- --events N --seconds S ...]: the full chaos run of issue 8 (defaults = the spec: 100k events).
import { parseArgs } from 'node:util';
import { runChaos } from '../tools/chaos/runChaos.ts';
import { mariadbAvailable } from '../tools/chaos/throwawayMariadb.ts';
import { createLogger } from '../src/log/createLogger.ts';

// Keep the one-screen report on one screen: the AWS SDK's notice about future Node versions is not ours.
const defaultWarningListeners = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'NodeVersionSupportWarning') for (const l of defaultWarningListeners) l(w);
});

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '120' },
    'rows-per-file': { type: 'string', default: '1000' },
    duplicates: { type: 'string', default: '0.1' },
    'dashboard-workers': { type: 'string', default: '2' },
    'archive-workers': { type: 'string', default: '2' },
    seed: { type: 'string' },
    dir: { type: 'string', default: '.centos/chaos' },
    'no-faithful': { type: 'boolean', default: false },
    'no-on-demand': { type: 'boolean', default: false },
    hosts: { type: 'string' },
    skew: { type: 'string', default: '+30s' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'npm run chaos -- [--events 100000] [--seconds 120] [--rows-per-file 1000] [--duplicates 0.1]\n' +
      '                 [--dashboard-workers 2] [--archive-workers 2] [--seed N] [--dir .centos/chaos]\n' +
      '                 [--no-on-demand] [--no-faithful]\n' +
      'Runs the pipeline on the embedded Kinesis/S3 and a throwaway MariaDB (own datadir and port) while killing\n' +
      'workers and the producer, resharding and restarting the DB; then audits. Exit 1 on any violation.\n' +
      'Kinesis is the faithful local mode (AWS limits, quotas, expiry) with on-demand resharding; --no-on-demand\n' +
      'keeps only the planned split and merge, --no-faithful runs on plain kinesalite.\n\n' +
      'npm run chaos -- --hosts 3 [--skew +30s] [--seconds 30] [--seed N] [--dir .centos/chaos]\n' +
      'Dashboard workers on N hosts (Linux network namespaces, needs root), one with its clock --skew ahead;\n' +
      'watches the balanced fleet for --seconds, cuts one host that holds leases off from MariaDB and Kinesis,\n' +
      'heals it, and reports takeover time, progress of the others during the cut, the rejoin and the audit.\n',
  );
  process.exit(0);
}
if (!(await mariadbAvailable())) {
  process.stderr.write('chaos: needs the MariaDB server binaries (mariadbd, mariadb-install-db) on PATH\n');
  process.exit(2);
}
const num = (v: string | undefined, name: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
};
if (values.hosts !== undefined) {
  const { netnsUnavailable } = await import('../tools/chaos/hostNetwork.ts');
  const { runHostPartition } = await import('../tools/chaos/runHostPartition.ts');
  const why = await netnsUnavailable();
  if (why) {
    process.stderr.write(`chaos --hosts: skipped: ${why}\n`);
    process.exit(2);
  }
  const hosts = Math.floor(num(values.hosts, 'hosts'));
  const h = await runHostPartition({
    dir: values.dir!,
    hosts,
    shards: hosts * 2,
    eventsPerSecond: 200,
    partitionExtraMs: 5_000,
    leaseDurationMs: 5_000,
    renewIntervalMs: 1_000,
    steadyMs: num(values.seconds === '120' ? '30' : values.seconds, 'seconds') * 1000,
    ...(values.skew ? { skew: values.skew } : {}),
    ...(values.seed !== undefined ? { seed: Math.floor(Number(values.seed)) } : {}),
    log: createLogger({ level: 'warn', pretty: false }),
    out: (line) => process.stdout.write(line + '\n'),
  });
  process.exit(h.ok ? 0 : 1);
}
const r = await runChaos({
  dir: values.dir!,
  events: Math.floor(num(values.events, 'events')),
  seconds: num(values.seconds, 'seconds'),
  rowsPerFile: Math.floor(num(values['rows-per-file'], 'rows-per-file')),
  duplicates: Number(values.duplicates),
  dashboardWorkers: Math.floor(num(values['dashboard-workers'], 'dashboard-workers')),
  archiveWorkers: Math.floor(num(values['archive-workers'], 'archive-workers')),
  ...(values.seed !== undefined ? { seed: Math.floor(Number(values.seed)) } : {}),
  faithful: !values['no-faithful'],
  onDemand: !values['no-on-demand'],
  log: createLogger({ level: 'warn', pretty: false }),
  out: (line) => process.stdout.write(line + '\n'),
});
process.stdout.write('\n' + r.lines.join('\n') + '\n');
process.exitCode = r.ok ? 0 : 1;
