import http2, { type ClientHttp2Session, type IncomingHttpHeaders, type SecureClientSessionOptions } from 'node:http2';

/** The parts of a signed SDK request this handler sends (structurally the SDK's HttpRequest). */
interface SdkHttpRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

export interface Http2StreamHandlerOptions {
  /** A stream without any frame for this long is cancelled (AWS sends an event at least every few seconds). */
  idleTimeoutMs: number;
  connectOptions?: SecureClientSessionOptions;
}

function queryString(q: SdkHttpRequest['query']): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q ?? {})) {
    for (const one of Array.isArray(v) ? v : [v]) parts.push(one === null ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(one)}`);
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

function responseHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (!k.startsWith(':') && v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

function abortError(): Error {
  const e = new Error('subscription aborted');
  e.name = 'AbortError';
  return e;
}

/**
 * An SDK request handler for long-lived HTTP/2 event streams (SubscribeToShard): one connection
 * per request, closed only when its stream closes. The SDK's NodeHttp2Handler sends GOAWAY as soon
 * as an event stream's response headers arrive; AWS tolerates that, but kinesis-mock answers it with
 * a protocol error, so the same code could not be proven against an emulator. Aborting the signal
 * cancels the stream (RST_STREAM CANCEL) and drops the connection at once. Reading is pull-based:
 * events the caller has not asked for stay in HTTP/2 flow control, so nothing buffers without bound.
 */
export class Http2StreamHandler {
  readonly metadata = { handlerProtocol: 'h2' };
  private readonly sessions = new Set<ClientHttp2Session>();

  constructor(private readonly o: Http2StreamHandlerOptions) {}

  handle(request: SdkHttpRequest, options: { abortSignal?: unknown } = {}): Promise<{ response: { statusCode: number; reason?: string; headers: Record<string, string>; body: unknown } }> {
    // The SDK hands on the signal given to `send` (a native AbortSignal here).
    const signal = options.abortSignal as AbortSignal | undefined;
    const authority = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}`;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const session = http2.connect(authority, this.o.connectOptions ?? {});
      this.sessions.add(session);
      let settled = false;
      const fail = (err: Error) => {
        session.destroy();
        if (!settled) {
          settled = true;
          reject(err);
        }
      };
      // After the response, a session error reaches the reader through the body stream; here it must not crash the process.
      session.on('error', fail);
      session.once('close', () => this.sessions.delete(session));
      const stream = session.request({ ...request.headers, ':method': request.method, ':path': `${request.path}${queryString(request.query)}` });
      const onAbort = () => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        fail(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      stream.setTimeout(this.o.idleTimeoutMs, () => {
        const e = new Error(`HTTP/2 stream silent for ${this.o.idleTimeoutMs} ms`);
        e.name = 'TimeoutError';
        stream.destroy(e);
        fail(e);
      });
      stream.on('error', fail);
      stream.once('close', () => {
        signal?.removeEventListener('abort', onAbort);
        session.close();
        if (!settled) fail(new Error(`HTTP/2 stream to ${authority} closed before a response`));
      });
      stream.once('response', (headers) => {
        settled = true;
        resolve({ response: { statusCode: Number(headers[':status'] ?? -1), headers: responseHeaders(headers), body: stream } });
      });
      const body = request.body;
      if (body === undefined || body === null) stream.end();
      else stream.end(typeof body === 'string' || body instanceof Uint8Array ? body : String(body));
    });
  }

  /** HTTP/2 connections open now (one per live subscription). */
  get openConnections(): number {
    return this.sessions.size;
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  /** Drops every open connection (their subscriptions end with an error). */
  destroy(): void {
    for (const s of this.sessions) s.destroy();
    this.sessions.clear();
  }
}
