/**
 * `npm run bench`: runs every benchmark in turn and writes bench/results.md with the machine, the
 * date and each benchmark's own report (figures and ratios, as printed). Analysis and earlier
 * runs live in bench/notes.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

const benches: Array<[string, string, string[]]> = [
  ['Generator', 'bench/generate.bench.ts', []],
  ['Producer', 'bench/produce.bench.ts', []],
  ['Coordinator', 'bench/consume.bench.ts', []],
  ['Coordination at scale (simulated)', 'bench/coordination.bench.ts', []],
  ['Read pacing', 'bench/read.bench.ts', []],
  ['Fan-out: three applications, polling vs EFO', 'bench/fanout.bench.ts', []],
  ['Dashboard apply', 'bench/dashboard.bench.ts', []],
  ['Archive', 'bench/archive.bench.ts', []],
  ['End-to-end latency', 'bench/latency.bench.ts', []],
  ['Dashboard API', 'bench/serve.bench.ts', []],
  ['Worker memory (dist/centos)', 'bench/workerMemory.bench.ts', []],
  ['Startup (dist/centos)', 'bench/startup.bench.ts', []],
  ['Hosts: partition and clock skew', 'bench/hosts.bench.ts', []],
];
const only = process.argv.slice(2);

const selected = benches.filter(([, file]) => !only.length || only.some((o) => file.includes(o)));
if (selected.some(([name]) => name.includes('dist/centos')) && !existsSync('dist/centos')) {
  process.stderr.write('bench: building dist/centos first (npm run build:binary)\n');
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-binary.ts'], { stdio: 'inherit' });
}
// `npm run bench -- <name>` reruns only the named benchmarks and keeps the other sections of results.md.
const kept = new Map<string, string>();
if (only.length && existsSync('bench/results.md')) {
  for (const part of readFileSync('bench/results.md', 'utf8').split(/\n(?=## )/).slice(1)) kept.set(part.slice(3, part.indexOf(' — ')), part.trimEnd() + '\n');
}
const sections: string[] = [];
for (const [name, file, args] of benches) {
  if (!selected.some(([, f]) => f === file)) {
    const old = kept.get(name);
    if (old) sections.push(old);
    continue;
  }
  process.stderr.write(`bench: ${name} (${file})…\n`);
  const t = Date.now();
  // The machine is shared: the load when each benchmark starts goes with its figures.
  const load = loadavg().map((l) => l.toFixed(2)).join(', ');
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const secs = Math.round((Date.now() - t) / 1000);
  const out = (r.stdout || '').trim();
  process.stderr.write(out + '\n');
  sections.push(`## ${name} — \`node --import tsx ${file}\` (${secs} s, load average ${load} at the start${r.status === 0 ? '' : `, exit ${r.status}`})\n\n\`\`\`\n${out}${r.status === 0 ? '' : `\n${(r.stderr || '').trim().split('\n').slice(-5).join('\n')}`}\n\`\`\`\n`);
}
const cpu = cpus();
const previous = only.length && existsSync('bench/results.md') ? /^Written by .*$/m.exec(readFileSync('bench/results.md', 'utf8'))?.[0] : undefined;
const written = previous
  ? `${previous.replace(/\.$/, '')}; ${selected.map(([name]) => name).join(', ')} rerun on ${new Date().toISOString()} (\`npm run bench -- ${only.join(' ')}\`).`
  : `Written by \`npm run bench\` on ${new Date().toISOString()}.`;
const header = `# Benchmark results\n\n${written}\nMachine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}/${process.arch}.\nEach benchmark measures centos and its baseline side by side in the same run; ratios are printed in each report.\nAnalysis, targets and earlier runs: [notes.md](notes.md).\n\n`;
writeFileSync('bench/results.md', header + sections.join('\n'));
process.stderr.write('bench: wrote bench/results.md\n');
