import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readStatus } from '../../src/coordinator/readStatus.ts';
import { ReadOnlyStoreError } from '../../src/store/openStore.ts';
import { CONTENT_SECURITY_POLICY } from '../../src/serve/startDashboardServer.ts';
import { counter, makeEnv, putEvents, waitFor, type Env } from '../helpers/consumerHarness.ts';
import { makeEvents, rollUp, startDashboardWorker, startTestServer, XSS_METADATA, XSS_NAME, XSS_USERID, xssEvent, type TestServer } from '../helpers/dashboardFixture.ts';
import { httpRequest } from '../helpers/httpRequest.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => stack.close());

const TOKEN = 'test-dashboard-token-0123456789';

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`serve API on ${dialect}, filled by the real dashboard consumer`, () => {
    let env: Env | undefined;
    let server: TestServer;
    let dbUrl: string;
    const events = [...makeEvents(300), xssEvent()];

    before(async () => {
      env = await makeEnv(stack, dialect, 2);
      if (!env) return;
      dbUrl = env.settings.config.db.url;
      // Started before any data: the empty states must hold before the pipeline runs.
      server = await startTestServer(dbUrl);
    });
    after(async () => {
      await server?.close();
      await env?.close();
    });

    it('reports "no data yet" and an unready scheduler on an empty database', async (t) => {
      if (!env) return t.skip('no MySQL server');
      const summary = await httpRequest(`${server.url}api/summary`);
      assert.equal(summary.status, 200);
      assert.equal(summary.json().hasData, false);
      assert.equal(summary.json().events, 0);
      const health = await httpRequest(`${server.url}healthz`);
      assert.equal(health.status, 503);
      assert.deepEqual(health.json().db, { ok: true });
      assert.match(health.json().reasons.join('\n'), /no roll-ups computed yet/);
    });

    it('serves numbers that match the DB once the consumer and the roll-ups ran', async (t) => {
      if (!env) return t.skip('no MySQL server');
      // "latest" is the last applied; the injection event goes in after the rest is applied, so it is among them.
      const [injection, rest] = [events.at(-1)!, events.slice(0, -1)];
      await putEvents(env, [...rest, ...rest.slice(0, 20)]);
      const worker = startDashboardWorker(env);
      try {
        await waitFor('all but the last applied', async () => (await counter(env!, 'events_applied')) >= rest.length);
        await putEvents(env, [injection]);
        await waitFor('all applied', async () => (await counter(env!, 'events_applied')) >= events.length);
        await waitFor('duplicates counted', async () => (await counter(env!, 'duplicates_dropped')) >= 20);
      } finally {
        await worker.stop();
      }
      await rollUp(env.store);
      await waitFor('healthy', async () => (await httpRequest(`${server.url}healthz`)).status === 200, 5_000);

      const s = (await httpRequest(`${server.url}api/snapshot`)).json();
      assert.equal(s.summary.events, await counter(env, 'events_applied'));
      assert.equal(s.summary.events, events.length);
      assert.equal(s.summary.duplicatesDropped, await counter(env, 'duplicates_dropped'));
      const [users] = await env.store.query<{ n: number }>('SELECT COUNT(*) AS n FROM users');
      assert.equal(s.summary.users, Number(users!.n));
      assert.equal(s.hasData, true);
      const [genders] = await env.store.query<{ n: number }>("SELECT COUNT(*) AS n FROM users WHERE gender = 'O'");
      assert.equal(s.gender.O, Number(genders!.n));
      const activityTotal = Object.values(s.activity.totals as Record<string, number>).reduce((a, b) => a + b, 0);
      assert.equal(activityTotal, events.length, 'activity in the window adds up to the events');
      assert.equal(s.latest.length, 20);

      // Attacker-controlled strings come back byte for byte (escaping is the page's job, as text).
      const [row] = await env.store.query<{ full_name: string }>('SELECT full_name FROM events WHERE event_id = ?', ['xss-1']);
      assert.equal(row!.full_name, XSS_NAME);
      const xss = s.latest.find((a: { eventId: string }) => a.eventId === 'xss-1');
      assert.deepEqual([xss.fullName, xss.userid, xss.activityMetadata], [XSS_NAME, XSS_USERID, XSS_METADATA]);

      const pipeline = (await httpRequest(`${server.url}api/pipeline?app=test-app`)).json();
      const status = await readStatus(env.store, 2_000, 'test-app');
      assert.deepEqual(
        pipeline.shards.map((x: { shardId: string; epoch: number; checkpoint: string }) => [x.shardId, x.epoch, x.checkpoint]),
        status.shards.map((x) => [x.shardId, x.epoch, x.checkpoint]),
      );
      assert.equal(pipeline.shards.length, 2);

      const top = (await httpRequest(`${server.url}api/top-users?limit=3`)).json();
      assert.equal(top.length, 3);
      assert.ok(top[0].events >= top[2].events);
      const latest = (await httpRequest(`${server.url}api/latest?limit=5`)).json();
      assert.equal(latest.length, 5);
    });

    it('/metrics exposes the dashboard gauges and the request metrics', async (t) => {
      if (!env) return t.skip('no MySQL server');
      const m = await httpRequest(`${server.url}metrics`);
      assert.equal(m.status, 200);
      assert.match(String(m.headers['content-type']), /text\/plain/);
      assert.match(m.body, new RegExp(`^centos_dashboard_events_applied ${events.length}$`, 'm'));
      assert.match(m.body, /^centos_dashboard_duplicates_dropped 20$/m);
      assert.match(m.body, /^centos_dashboard_db_up 1$/m);
      assert.match(m.body, /^centos_shard_lease_epoch\{app="test-app",shard="shardId-000000000000"\} [1-9]\d*$/m);
      // Lag is exported per shard wherever the lease row has one (kinesalite may report none).
      assert.match(m.body, /^# TYPE centos_shard_millis_behind_latest gauge$/m);
      assert.match(m.body, /^centos_http_requests_total\{route="\/api\/snapshot",method="GET",status="200"\} [1-9]/m);
      assert.match(m.body, /^centos_http_request_duration_seconds_count\{route="\/api\/summary"\} [1-9]/m);
    });

    it('reads through a connection that cannot write', async (t) => {
      if (!env) return t.skip('no MySQL server');
      await assert.rejects(server.store.execute("UPDATE counters SET value = 0 WHERE name = 'events_applied'"), ReadOnlyStoreError);
      // Below the port too: the database itself refuses a write on this connection.
      const write = dialect === 'sqlite' ? "UPDATE counters SET value = 0 WHERE name = 'events_applied' RETURNING value" : "UPDATE counters SET value = 0 WHERE name = 'events_applied'";
      await assert.rejects(server.store.query(write), /read.?only/i);
      assert.equal(await counter(env, 'events_applied'), events.length);
    });
  });
}

describe('serve security and limits', () => {
  let env: Env;
  let open: TestServer;
  let guarded: TestServer;
  before(async () => {
    env = (await makeEnv(stack, 'sqlite', 1))!;
    open = await startTestServer(env.settings.config.db.url);
    guarded = await startTestServer(env.settings.config.db.url, { token: TOKEN });
  });
  after(async () => {
    await open.close();
    await guarded.close();
    await env.close();
  });

  it('sends a strict Content-Security-Policy and no-sniff on the page, assets and API', async () => {
    for (const p of ['', 'assets/app.js', 'assets/uPlot.iife.min.js', 'api/summary', 'nope']) {
      const r = await httpRequest(`${open.url}${p}`);
      assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY, p);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', p);
    }
    assert.match(CONTENT_SECURITY_POLICY, /default-src 'self'/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval/);
    const page = await httpRequest(open.url);
    assert.doesNotMatch(page.body, /<script>|<style>| style=| on[a-z]+=/i, 'no inline script, style or handlers');
  });

  it('without a token answers only to a loopback Host (DNS rebinding)', async () => {
    assert.equal((await httpRequest(`${open.url}api/summary`, { headers: { Host: 'evil.example:8080' } })).status, 421);
    assert.equal((await httpRequest(`${open.url}api/summary`, { headers: { Host: `localhost:${open.port}` } })).status, 200);
  });

  it('with a token, every request needs it', async () => {
    for (const p of ['', 'assets/app.js', 'api/summary', 'api/stream', 'healthz', 'metrics']) {
      const r = await httpRequest(`${guarded.url}${p}`);
      assert.equal(r.status, 401, p);
      assert.match(String(r.headers['www-authenticate']), /Bearer/);
    }
    assert.equal((await httpRequest(`${guarded.url}api/summary`, { headers: { Authorization: 'Bearer wrong-token-0123456789' } })).status, 401);
    assert.equal((await httpRequest(`${guarded.url}api/summary`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status, 200);
    // ?token= only where a browser cannot send a header: the page (then a cookie) and the stream.
    assert.equal((await httpRequest(`${guarded.url}api/summary?token=${TOKEN}`)).status, 401);
    const first = await httpRequest(`${guarded.url}?token=${TOKEN}`);
    assert.equal(first.status, 303);
    assert.equal(first.headers.location, '/');
    const cookie = String(first.headers['set-cookie']);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const withCookie = await httpRequest(`${guarded.url}api/summary`, { headers: { Cookie: cookie.split(';')[0]! } });
    assert.equal(withCookie.status, 200);
  });

  it('refuses writes, bodies, long URLs, big headers and bad query parameters', async () => {
    assert.equal((await httpRequest(`${open.url}api/summary`, { method: 'POST', body: '{}' })).status, 405);
    assert.equal((await httpRequest(`${open.url}api/summary`, { method: 'DELETE' })).status, 405);
    assert.equal((await httpRequest(`${open.url}api/summary`, { headers: { 'Content-Length': '5' }, body: 'hello' })).status, 413);
    assert.equal((await httpRequest(`${open.url}api/latest?x=${'a'.repeat(3000)}`)).status, 414);
    assert.equal((await httpRequest(`${open.url}api/summary`, { headers: { 'X-Big': 'a'.repeat(20_000) } })).status, 431);
    const bad = await httpRequest(`${open.url}api/latest?limit=-1`);
    assert.equal(bad.status, 400);
    assert.match(bad.json().error, /limit: must be at least 1/);
    assert.equal((await httpRequest(`${open.url}api/top-users?limit=10&limit=2`)).status, 400);
    assert.equal((await httpRequest(`${open.url}api/summary?evil=1`)).status, 400);
    assert.equal((await httpRequest(`${open.url}api/pipeline?app=..%2F`)).status, 400);
  });

  it('limits live connections', async () => {
    const small = await startTestServer(env.settings.config.db.url, { maxClients: 1 });
    const { request } = await import('node:http');
    const first = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => request(`${small.url}api/stream`, resolve).on('error', reject).end());
    try {
      assert.equal(first.statusCode, 200);
      assert.equal((await httpRequest(`${small.url}api/stream`)).status, 503);
    } finally {
      first.destroy();
      await small.close();
    }
  });

  it('an unreachable database is 503 on the API and /healthz, with the reason', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'centos-serve-'));
    const s = await startTestServer(`sqlite:${path.join(dir, 'missing.db')}`);
    try {
      const h = await httpRequest(`${s.url}healthz`);
      assert.equal(h.status, 503);
      assert.equal(h.json().db.ok, false);
      assert.match(h.json().reasons[0], /database unreachable/);
      assert.equal((await httpRequest(`${s.url}api/summary`)).status, 503);
      assert.match((await httpRequest(`${s.url}metrics`)).body, /^centos_dashboard_db_up 0$/m);
    } finally {
      await s.close();
    }
  });
});
