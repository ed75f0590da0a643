import type { Clock } from './Clock.ts';

interface Timer {
  at: number;
  /** Creation order: timers due at the same instant fire in the order they were set. */
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

const before = (a: Timer, b: Timer) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** Lets every promise chain the last callbacks started run to its next real wait. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A clock that moves only when told to. `advance` fires the timers that fall due in order, and
 * lets the work each one starts settle before the next fires, so a runtime on in-memory ports
 * behaves as it would over that span of real time. Timers sit in a binary heap: a simulation
 * holds one expiry timer per lease, and a cancelled timer is only marked (dropped when it comes
 * due), so re-arming one costs log n.
 */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly heap: Timer[] = [];
  private live = 0;

  constructor(startMs = 1_000_000) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  /** Timers set and neither fired nor cancelled. */
  pending(): number {
    return this.live;
  }

  schedule(ms: number, fn: () => void): () => void {
    const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.push(timer);
    this.live++;
    return () => {
      if (timer.cancelled) return;
      timer.cancelled = true;
      this.live--;
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        cancel();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const cancel = this.schedule(ms, done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    const until = this.t + ms;
    await settle();
    for (let next = this.heap[0]; next !== undefined && next.at <= until; next = this.heap[0]) {
      this.pop();
      if (next.cancelled) continue;
      next.cancelled = true;
      this.live--;
      this.t = next.at;
      next.fn();
      await settle();
    }
    this.t = until;
    await settle();
  }

  private push(timer: Timer): void {
    const h = this.heap;
    h.push(timer);
    this.up(h.length - 1);
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    this.down(0);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) return;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
