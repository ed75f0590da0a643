import { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { checkBind } from '../../serve/checkBind.ts';
import type { CliIo } from '../context.ts';
import { nonNegativeInt } from '../parseArgs.ts';

export function serveCommand(io: CliIo): Command {
  return new Command('serve')
    .summary('the live web dashboard, JSON API, /healthz and /metrics')
    .description(
      [
        "Serve the dashboard page, a JSON API (/api/snapshot, /api/summary, /api/activity, /api/top-users, /api/latest, /api/breakdown, /api/pipeline), live updates as Server-Sent Events (/api/stream, every server.pushIntervalMs), /healthz (DB reachable, scheduler fresh) and /metrics (Prometheus). Reads only the roll-ups the scheduler stores, the live counters and the lease table in db.url, through a read-only connection.",
        "Binds 127.0.0.1 by default; any other address needs --token or CENTOS_DASHBOARD_TOKEN, and then every request must carry it (Authorization: Bearer <token>, or open the page once with ?token=<token>).",
      ].join('\n\n'),
    )
    .option('--host <address>', 'address to bind (server.host, default 127.0.0.1)')
    .option('--port <n>', 'port to bind, 0 = any free (server.port, default 8080)', nonNegativeInt)
    .option('--token <token>', 'require this token on every request (prefer CENTOS_DASHBOARD_TOKEN: flags show up in ps)')
    .action(async (opts: { host?: string; port?: number; token?: string }, cmd: Command) => {
      const { buildContext } = await import('../context.ts');
      const [{ collectDefaultMetrics }, { metricsRegistry }, { loadAssets }, { openConfiguredStore }, { readDashboard }, { snapshotSource }, { startDashboardServer }] = await Promise.all([
        import('prom-client'),
        import('../../metrics/metricsRegistry.ts'),
        import('../../serve/loadAssets.ts'),
        import('../../store/openStore.ts'),
        import('../../serve/readDashboard.ts'),
        import('../../serve/snapshotSource.ts'),
        import('../../serve/startDashboardServer.ts'),
      ]);
      const ctx = buildContext(io, cmd.optsWithGlobals(), { 'server.host': opts.host, 'server.port': opts.port });
      const { config, secrets } = ctx.settings;
      const token = opts.token ?? secrets.dashboardToken;
      const problems = checkBind(config.server.host, token);
      if (problems.length > 0) throw new UsageError(problems);

      const store = openConfiguredStore(ctx.settings, 'read');
      const source = snapshotSource({ read: (now) => readDashboard(store, now, config.coordinator.leaseDurationMs), now: Date.now, log: ctx.log.child({ component: 'serve' }) });
      collectDefaultMetrics({ register: metricsRegistry, prefix: 'centos_serve_' });
      const server = await startDashboardServer({
        host: config.server.host,
        port: config.server.port,
        ...(token ? { token } : {}),
        source,
        assets: loadAssets(),
        registry: metricsRegistry,
        log: ctx.log,
        pushIntervalMs: config.server.pushIntervalMs,
        staleAfterMs: config.server.staleAfterMs,
        maxClients: config.server.maxClients,
      });
      ctx.stdout.write(`centos dashboard: ${server.url}${token ? ' (token required)' : ''}\n`);
      if (!ctx.signal.aborted) await new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }));
      await server.close();
      await store.close();
      ctx.log.info('dashboard stopped');
    });
}
