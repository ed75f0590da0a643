// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { createLogger } from '../../src/log/createLogger.ts';
import { metricsBindProblems } from '../../src/metrics/serveRoleMetrics.ts';
import { startMetricsServer } from '../../src/metrics/startMetricsServer.ts';

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the per-process metrics server', { timeout: 20_000 }, () => {
  it('serves /metrics and /healthz on loopback, only to a loopback Host', async () => {
    const registry = new Registry();
    new Counter({ name: 'centos_test_total', help: 'a test counter', registers: [registry] }).inc(3);
    let healthy = true;
    const s = await startMetricsServer({ registry, host: '127.0.0.1', port: 0, health: () => ({ ok: healthy, reasons: healthy ? [] : ['broken'] }), log: createLogger({ level: 'silent', pretty: false }) });
    try {
      const m = await get(s.url);
      assert.equal(m.status, 200);
      assert.match(m.body, /^centos_test_total 3$/m);
      assert.equal((await get(s.url.replace('/metrics', '/healthz'))).status, 200);
      healthy = false;
      const h = await get(s.url.replace('/metrics', '/healthz'));
      assert.deepEqual([h.status, JSON.parse(h.body).reasons], [503, ['broken']]);
      assert.equal((await get(s.url.replace('/metrics', '/other'))).status, 404);
      assert.equal((await get(s.url, { Host: 'evil.example:80' })).status, 421, 'DNS rebinding refused');
    } finally {
      await s.close();
    }
  });

  it('with a token, every scrape must carry it', async () => {
    const token = 'a-long-enough-token-123';
    const s = await startMetricsServer({ registry: new Registry(), host: '127.0.0.1', port: 0, token, health: () => ({ ok: true, reasons: [] }), log: createLogger({ level: 'silent', pretty: false }) });
    try {
      assert.equal((await get(s.url)).status, 401);
      assert.equal((await get(s.url, { Authorization: 'Bearer wrong-token-wrong-token' })).status, 401);
      assert.equal((await get(s.url, { Authorization: `Bearer ${token}` })).status, 200);
    } finally {
      await s.close();
    }
  });

  const binds: Array<[string, string | undefined, RegExp | undefined]> = [
    ['127.0.0.1', undefined, undefined],
    ['localhost', undefined, undefined],
    ['0.0.0.0', undefined, /metrics.host: binding 0.0.0.0 .* CENTOS_METRICS_TOKEN/],
    ['10.0.0.5', 'short', /at least 16 characters/],
    ['10.0.0.5', 'a-long-enough-token-123', undefined],
  ];
  for (const [host, token, problem] of binds) {
    it(`binding ${host} ${token ? 'with' : 'without'} a token: ${problem ? 'refused' : 'allowed'}`, () => {
      const p = metricsBindProblems(host, token);
      if (problem) assert.match(p.join('\n'), problem);
      else assert.deepEqual(p, []);
    });
  }
});
