import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Metrics read at scrape time from counters a component already keeps, so the component itself
 * never depends on prom-client. A counter must only grow; the value is copied as it is.
 */
export function counterFrom<L extends string = never>(registry: Registry, name: string, help: string, read: () => number | Array<[Record<L, string>, number]>, labelNames: readonly L[] = []): Counter<L> {
  return new Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      const v = read();
      this.reset();
      if (typeof v === 'number') (this as Counter<string>).inc(v);
      else for (const [labels, n] of v) this.inc(labels as never, n);
    },
  });
}

export function gaugeFrom<L extends string = never>(registry: Registry, name: string, help: string, read: () => number | Array<[Record<L, string>, number]>, labelNames: readonly L[] = []): Gauge<L> {
  return new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      const v = read();
      this.reset();
      if (typeof v === 'number') (this as Gauge<string>).set(v);
      else for (const [labels, n] of v) this.set(labels as never, n);
    },
  });
}
