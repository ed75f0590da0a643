import { Registry } from 'prom-client';

/**
 * The process's Prometheus registry. `serve` exposes it on /metrics; any role running in the
 * same process registers its counters here (`new Counter({ ..., registers: [metricsRegistry] })`).
 */
export const metricsRegistry = new Registry();
