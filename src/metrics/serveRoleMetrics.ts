import { collectDefaultMetrics, Registry } from 'prom-client';
import type { CommandContext } from '../cli/context.ts';
import { UsageError } from '../errors.ts';
import { isLoopbackHost } from '../serve/checkBind.ts';
import { startMetricsServer, type Health, type MetricsServer } from './startMetricsServer.ts';

export interface RoleMetrics {
  registry: Registry;
  /** Where /metrics is served; undefined when metrics.port is not set. */
  url: string | undefined;
  close(): Promise<void>;
}

/** Refusals of the metrics bind: anything but loopback needs a token of at least 16 characters. */
export function metricsBindProblems(host: string, token: string | undefined): string[] {
  if (isLoopbackHost(host)) return [];
  if (!token) return [`metrics.host: binding ${host} (not loopback) exposes /metrics to the network; set CENTOS_METRICS_TOKEN, or bind 127.0.0.1`];
  if (token.length < 16) return ['CENTOS_METRICS_TOKEN: must be at least 16 characters'];
  return [];
}

/**
 * One registry for this process, with Node's process metrics, served on metrics.host:metrics.port
 * when a port is configured. The URL is printed so an operator (or `centos demo`) can find it.
 */
export async function serveRoleMetrics(ctx: CommandContext, role: string, health: () => Health | Promise<Health>): Promise<RoleMetrics> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'centos_' });
  const { metrics } = ctx.settings.config;
  const token = ctx.settings.secrets.metricsToken;
  if (metrics.port === undefined) return { registry, url: undefined, close: async () => {} };
  const problems = metricsBindProblems(metrics.host, token);
  if (problems.length > 0) throw new UsageError(problems);
  let server: MetricsServer;
  try {
    server = await startMetricsServer({ registry, host: metrics.host, port: metrics.port, health, log: ctx.log, ...(token ? { token } : {}) });
  } catch (err) {
    throw new UsageError([`metrics.port: cannot listen on ${metrics.host}:${metrics.port}: ${(err as Error).message}`]);
  }
  ctx.stdout.write(`centos ${role} metrics: ${server.url}${token ? ' (token required)' : ''}\n`);
  ctx.log.info({ url: server.url }, 'serving /metrics and /healthz');
  return { registry, url: server.url, close: () => server.close() };
}
