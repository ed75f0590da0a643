import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../log/createLogger.ts';
import { authorizeRequest } from '../serve/authorizeRequest.ts';

export interface Health {
  ok: boolean;
  reasons: string[];
  [k: string]: unknown;
}

export interface MetricsServerOptions {
  registry: Registry;
  host: string;
  port: number;
  /** Required on every request when set (checked by the caller's bind policy for non-loopback hosts). */
  token?: string;
  /** What /healthz answers; 200 when ok, else 503 with the reasons. */
  health: () => Health | Promise<Health>;
  log: Logger;
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * A small HTTP server for one process's `/metrics` (Prometheus text) and `/healthz` (JSON).
 * Loopback by default and then answering only to a loopback Host header; elsewhere every request
 * needs the bearer token — the same rule as the dashboard.
 */
export async function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const log = o.log.child({ component: 'metrics' });
  const server = createServer((req, res) => {
    const send = (status: number, body: string, type: string) => {
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'only GET and HEAD\n', 'text/plain; charset=utf-8');
    const auth = authorizeRequest({ host: req.headers.host, authorization: req.headers.authorization, cookie: undefined, queryToken: undefined, queryTokenAllowed: false }, o.token);
    if (!auth.ok) return send(auth.status, auth.message + '\n', 'text/plain; charset=utf-8');
    void (async () => {
      try {
        if (path === '/metrics') return send(200, await o.registry.metrics(), o.registry.contentType);
        if (path === '/healthz') {
          const h = await o.health();
          return send(h.ok ? 200 : 503, JSON.stringify(h) + '\n', 'application/json');
        }
        return send(404, 'not found: try /metrics or /healthz\n', 'text/plain; charset=utf-8');
      } catch (err) {
        log.warn({ err: (err as Error).message, path }, 'metrics request failed');
        if (!res.headersSent) send(500, 'internal error\n', 'text/plain; charset=utf-8');
      }
    })();
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}/metrics`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
