import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/**
 * The top frames by self time of the .cpuprofile files in `dir` (written by `node --cpu-prof`),
 * as "share  function  file:line" lines; idle and GC are listed like any other frame.
 */
export function cpuProfileTop(dir: string, top = 12): string[] {
  const self = new Map<string, number>();
  let total = 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    for (const id of p.samples) {
      const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
      const where = url ? `${url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${lineNumber + 1}` : '';
      const key = `${functionName || '(anonymous)'}  ${where}`;
      self.set(key, (self.get(key) ?? 0) + 1);
      total++;
    }
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, n]) => `${((n / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
}
