import { Prng } from '../../src/util/prng.ts';

export type ChaosAction =
  | { atMs: number; kind: 'kill-worker'; worker: string }
  | { atMs: number; kind: 'kill-producer' }
  | { atMs: number; kind: 'split' }
  | { atMs: number; kind: 'merge' }
  | { atMs: number; kind: 'restart-db' };

export interface ChaosPlanOptions {
  /** How long the chaos phase lasts (the generator writes files for about this long). */
  durationMs: number;
  /** Workers that may be killed with kill -9 (dashboard and archive consumers). */
  workers: string[];
  seed: number;
  /** Pause between worker kills: uniformly in [minGapMs, maxGapMs]. */
  minGapMs?: number;
  maxGapMs?: number;
  producerKills?: number;
}

/**
 * When to do what, as a sorted list. The structural events sit at fixed fractions of the run so that
 * every run has them (producer kills at 20 % and 60 %, the split at 30 %, the merge at 50 %, the DB
 * restart at 70 %); worker kills come every few seconds at random from the start to 90 % of the run,
 * never two in a row on the same worker.
 */
export function planChaos(o: ChaosPlanOptions): ChaosAction[] {
  const prng = new Prng(o.seed);
  const rand = () => prng.nextUint32() / 2 ** 32;
  const min = o.minGapMs ?? 3_000;
  const max = Math.max(min, o.maxGapMs ?? 7_000);
  const d = o.durationMs;
  const actions: ChaosAction[] = [];
  const producerKills = o.producerKills ?? 2;
  const producerAt = [0.2, 0.6, 0.4, 0.8, 0.1, 0.9];
  for (let i = 0; i < producerKills; i++) actions.push({ atMs: Math.round(d * (producerAt[i % producerAt.length]! + Math.floor(i / producerAt.length) * 0.01)), kind: 'kill-producer' });
  actions.push({ atMs: Math.round(d * 0.3), kind: 'split' });
  actions.push({ atMs: Math.round(d * 0.5), kind: 'merge' });
  actions.push({ atMs: Math.round(d * 0.7), kind: 'restart-db' });
  if (o.workers.length > 0) {
    let last: string | undefined;
    for (let t = min + rand() * (max - min); t < d * 0.9; t += min + rand() * (max - min)) {
      const choices = o.workers.length > 1 ? o.workers.filter((w) => w !== last) : o.workers;
      const worker = choices[Math.floor(rand() * choices.length)]!;
      actions.push({ atMs: Math.round(t), kind: 'kill-worker', worker });
      last = worker;
    }
  }
  return actions.sort((a, b) => a.atMs - b.atMs);
}
