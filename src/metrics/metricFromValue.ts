import { Counter, Gauge, type Registry } from 'prom-client';

type Read<L extends string> = () => number | Array<[Record<L, string>, number]>;

/**
 * Metrics read at scrape time from counters a component already keeps, so the component itself
 * never depends on prom-client. Each scrape resets the metric and copies the values in; a
 * counter's value must only grow (a restart of the process is a reset Prometheus understands).
 */
function fromValue<L extends string, M extends Counter<L> | Gauge<L>>(make: (collect: (this: M) => void) => M, read: Read<L>, put: (m: M, labels: Record<L, string> | undefined, v: number) => void): M {
  return make(function (this: M) {
    const v = read();
    this.reset();
    if (typeof v === 'number') put(this, undefined, v);
    else for (const [labels, n] of v) put(this, labels, n);
  });
}

export function counterFrom<L extends string = never>(registry: Registry, name: string, help: string, read: Read<L>, labelNames: readonly L[] = []): Counter<L> {
  return fromValue<L, Counter<L>>((collect) => new Counter<L>({ name, help, labelNames, registers: [registry], collect }), read, (m, labels, v) => (labels ? m.inc(labels, v) : (m as Counter<string>).inc(v)));
}

export function gaugeFrom<L extends string = never>(registry: Registry, name: string, help: string, read: Read<L>, labelNames: readonly L[] = []): Gauge<L> {
  return fromValue<L, Gauge<L>>((collect) => new Gauge<L>({ name, help, labelNames, registers: [registry], collect }), read, (m, labels, v) => (labels ? m.set(labels, v) : (m as Gauge<string>).set(v)));
}
