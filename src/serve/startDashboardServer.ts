import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { CentosError } from '../errors.ts';
import type { Logger } from '../log/createLogger.ts';
import { authorizeRequest, TOKEN_COOKIE } from './authorizeRequest.ts';
import type { DashboardSnapshot } from './buildSnapshot.ts';
import { checkHealth } from './checkHealth.ts';
import { dashboardMetrics } from './dashboardMetrics.ts';
import type { Asset } from './loadAssets.ts';
import { parseQuery, type RouteQuery } from './parseQuery.ts';
import type { SnapshotSource } from './snapshotSource.ts';

export interface DashboardServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** When set, every request must carry it. */
  token?: string;
  source: SnapshotSource;
  assets: Map<string, Asset>;
  registry: Registry;
  log: Logger;
  now?: () => number;
  pushIntervalMs: number;
  staleAfterMs: number;
  maxClients: number;
}

export interface DashboardServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** No inline script or style anywhere; the page talks only to this origin. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const MAX_URL_LENGTH = 2048;
/** A live client this far behind (bytes queued) is dropped rather than buffered without bound. */
const MAX_CLIENT_BACKLOG = 1024 * 1024;

interface ApiRoute<K extends RouteQuery = RouteQuery> {
  query: K;
  pick(s: DashboardSnapshot, q: Record<string, unknown>): unknown;
}

const limited = <T>(list: T[], q: Record<string, unknown>) => (typeof q.limit === 'number' ? list.slice(0, q.limit) : list);

const apiRoutes: Record<string, ApiRoute> = {
  '/api/snapshot': { query: 'none', pick: (s) => s },
  '/api/summary': { query: 'none', pick: (s) => ({ at: s.at, computedAt: s.computedAt, hasData: s.hasData, ...s.summary }) },
  '/api/activity': { query: 'none', pick: (s) => s.activity },
  '/api/top-users': { query: 'list', pick: (s, q) => limited(s.topUsers, q) },
  '/api/latest': { query: 'list', pick: (s, q) => limited(s.latest, q) },
  '/api/breakdown': { query: 'none', pick: (s) => ({ gender: s.gender, relationship: s.relationship }) },
  '/api/pipeline': {
    query: 'pipeline',
    pick: (s, q) => (typeof q.app === 'string' ? { ...s.pipeline, shards: s.pipeline.shards.filter((x) => x.app === q.app), workers: s.pipeline.workers.filter((x) => x.app === q.app) } : s.pipeline),
  },
};

function routeLabel(path: string, assets: Map<string, Asset>): string {
  if (apiRoutes[path] || assets.has(path) || path === '/api/stream' || path === '/healthz' || path === '/metrics') return path;
  return 'other';
}

/**
 * The dashboard's HTTP server: the page and its assets, the JSON API, live updates as
 * Server-Sent Events, /healthz and /metrics. Everything it shows comes from `source`.
 */
export async function startDashboardServer(o: DashboardServerOptions): Promise<DashboardServer> {
  const now = o.now ?? Date.now;
  const log = o.log.child({ component: 'serve' });
  const apiMaxAgeMs = Math.min(250, o.pushIntervalMs);
  const metrics = dashboardMetrics(o.registry, o.source, apiMaxAgeMs);
  const clients = new Set<ServerResponse>();
  let sequence = 0;

  const send = (res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Length': String(Buffer.byteLength(body)), ...headers });
    res.end(body);
  };
  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    send(res, status, JSON.stringify(body), { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  const sendError = (res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) => sendJson(res, status, { error: message }, headers);

  const eventFor = (s: DashboardSnapshot) => `id: ${++sequence}\nevent: snapshot\ndata: ${JSON.stringify(s)}\n\n`;
  const push = (res: ServerResponse, frame: string) => {
    if (res.writableLength > MAX_CLIENT_BACKLOG) {
      log.warn({ backlog: res.writableLength }, 'dropping a live client that does not keep up');
      res.destroy();
      return;
    }
    res.write(frame);
  };

  let ticking = false;
  const timer = setInterval(() => {
    if (clients.size === 0 || ticking) return;
    ticking = true;
    o.source
      .current(o.pushIntervalMs / 2)
      .then((s) => {
        const frame = eventFor(s);
        for (const res of clients) push(res, frame);
      })
      .catch((err) => log.error({ err }, 'live update failed'))
      .finally(() => (ticking = false));
  }, o.pushIntervalMs);
  timer.unref();

  function openStream(req: IncomingMessage, res: ServerResponse, extra: Record<string, string>): void {
    if (clients.size >= o.maxClients) return sendError(res, 503, `too many live connections (server.maxClients = ${o.maxClients})`, { 'Retry-After': '5' });
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no', ...extra });
    res.write(`retry: ${Math.min(o.pushIntervalMs, 1000)}\n\n`);
    clients.add(res);
    metrics.liveClients.inc();
    req.socket.setNoDelay(true);
    res.on('close', () => {
      if (clients.delete(res)) metrics.liveClients.dec();
    });
    o.source.current(apiMaxAgeMs).then(
      (s) => clients.has(res) && push(res, eventFor(s)),
      (err) => log.error({ err }, 'first live update failed'),
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const route = apiRoutes[path];
    const queryKind: RouteQuery = route?.query ?? 'none';
    const q = parseQuery(queryKind, url.searchParams);

    const auth = authorizeRequest(
      {
        host: req.headers.host,
        authorization: req.headers.authorization,
        cookie: req.headers.cookie,
        queryToken: url.searchParams.get('token') ?? undefined,
        queryTokenAllowed: path === '/' || path === '/api/stream',
      },
      o.token,
    );
    if (!auth.ok) return sendError(res, auth.status, auth.message, auth.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="centos"' } : {});
    const cookie: Record<string, string> = auth.setCookie && o.token ? { 'Set-Cookie': `${TOKEN_COOKIE}=${encodeURIComponent(o.token)}; HttpOnly; SameSite=Strict; Path=/` } : {};
    if (!q.ok) return sendError(res, 400, q.message);

    if (auth.setCookie && path === '/') return send(res, 303, '', { Location: '/', 'Cache-Control': 'no-store', ...cookie });

    const asset = o.assets.get(path);
    if (asset) {
      if (req.headers['if-none-match'] === asset.etag) return send(res, 304, '', { ETag: asset.etag });
      return send(res, 200, asset.body, { 'Content-Type': asset.type, ETag: asset.etag, 'Cache-Control': 'no-cache' });
    }
    if (path === '/api/stream') return openStream(req, res, cookie);
    if (path === '/healthz') {
      const h = checkHealth(await o.source.current(apiMaxAgeMs), now(), o.staleAfterMs);
      return sendJson(res, h.ok ? 200 : 503, h);
    }
    if (path === '/metrics') return send(res, 200, await o.registry.metrics(), { 'Content-Type': o.registry.contentType, 'Cache-Control': 'no-store' });
    if (route) {
      const s = await o.source.current(apiMaxAgeMs);
      if (!s.db.ok) return sendError(res, 503, `database unreachable: ${s.db.error}`);
      return sendJson(res, 200, route.pick(s, q.value as Record<string, unknown>));
    }
    return sendError(res, 404, `no such page: ${path}`);
  }

  const server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 15_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, (req, res) => {
    const started = performance.now();
    let path = '?';
    res.on('close', () => {
      const seconds = (performance.now() - started) / 1000;
      const label = routeLabel(path, o.assets);
      // A live stream's lifetime is not a response time.
      metrics.observeRequest(label, req.method ?? '?', res.statusCode, label === '/api/stream' ? undefined : seconds);
      // The path only: a query string may carry the token.
      log.info({ method: req.method, path, status: res.statusCode, ms: Math.round(seconds * 10_000) / 10, remote: req.socket.remoteAddress, ua: req.headers['user-agent']?.slice(0, 200) }, 'request');
    });
    if ((req.url ?? '').length > MAX_URL_LENGTH) return sendError(res, 414, `URL longer than ${MAX_URL_LENGTH} characters`, { Connection: 'close' });
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    } catch {
      return sendError(res, 400, 'malformed URL');
    }
    path = url.pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, `method ${req.method} not allowed: this server is read-only`, { Allow: 'GET, HEAD', Connection: 'close' });
    if (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined) return sendError(res, 413, 'requests to the dashboard carry no body', { Connection: 'close' });
    handle(req, res, url).catch((err) => {
      log.error({ err, path }, 'request failed');
      if (!res.headersSent) sendError(res, 500, 'internal error');
      else res.destroy();
    });
  });
  server.on('clientError', (err, socket) => {
    const status = (err as NodeJS.ErrnoException).code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(new CentosError(`serve: cannot listen on ${o.host}:${o.port}: ${err.code ?? err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen(o.port, o.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostPart = o.host.includes(':') ? `[${o.host}]` : o.host;
  const url = `http://${hostPart}:${port}/`;
  log.info({ url, auth: o.token ? 'token required' : 'none (loopback only)' }, 'dashboard listening');

  return {
    url,
    port,
    async close() {
      clearInterval(timer);
      for (const res of clients) res.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
