// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorizeRequest, readCookie, type RequestCredentials } from '../../src/serve/authorizeRequest.ts';
import { buildSnapshot, unreachableSnapshot } from '../../src/serve/buildSnapshot.ts';
import { checkBind, isLoopbackHost } from '../../src/serve/checkBind.ts';
import { checkHealth } from '../../src/serve/checkHealth.ts';
import { parseQuery } from '../../src/serve/parseQuery.ts';

describe('checkBind', () => {
  const cases: Array<[string, string | undefined, boolean]> = [
    ['127.0.0.1', undefined, true],
    ['127.1.2.3', undefined, true],
    ['localhost', undefined, true],
    ['::1', undefined, true],
    ['[::1]', undefined, true],
    ['0.0.0.0', undefined, false],
    ['::', undefined, false],
    ['192.168.1.5', undefined, false],
    ['example.com', undefined, false],
    ['0.0.0.0', 'short', false],
    ['0.0.0.0', 'a-long-enough-token-123', true],
  ];
  for (const [host, token, allowed] of cases) {
    it(`${host} with ${token ? 'a token' : 'no token'} → ${allowed ? 'allowed' : 'refused'}`, () => {
      assert.equal(checkBind(host, token).length === 0, allowed);
    });
  }
  it('names the fix in the message', () => assert.match(checkBind('0.0.0.0', undefined)[0]!, /--token or CENTOS_DASHBOARD_TOKEN/));
  it('isLoopbackHost rejects look-alikes', () => {
    assert.equal(isLoopbackHost('127.0.0.1.evil.com'), false);
    assert.equal(isLoopbackHost('localhost.evil.com'), false);
  });
});

describe('authorizeRequest', () => {
  const token = 'secret-token-0123456789';
  const base: RequestCredentials = { host: '10.0.0.1:8080', authorization: undefined, cookie: undefined, queryToken: undefined, queryTokenAllowed: false };
  const cases: Array<[string, Partial<RequestCredentials>, string | undefined, string]> = [
    ['loopback without token', { host: '127.0.0.1:8080' }, undefined, 'ok'],
    ['localhost name without token', { host: 'localhost:8080' }, undefined, 'ok'],
    ['IPv6 loopback without token', { host: '[::1]:8080' }, undefined, 'ok'],
    ['rebinding host without token', { host: 'attacker.example:8080' }, undefined, '421'],
    ['no Host without token', { host: undefined }, undefined, '421'],
    ['no credentials', {}, token, '401'],
    ['bearer', { authorization: `Bearer ${token}` }, token, 'ok'],
    ['wrong bearer', { authorization: 'Bearer nope' }, token, '401'],
    ['cookie', { cookie: `a=b; centos_token=${encodeURIComponent(token)}` }, token, 'ok'],
    ['wrong cookie', { cookie: 'centos_token=nope' }, token, '401'],
    ['query token where allowed', { queryToken: token, queryTokenAllowed: true }, token, 'ok+cookie'],
    ['query token on an API route', { queryToken: token }, token, '401'],
  ];
  for (const [name, c, tok, want] of cases) {
    it(name, () => {
      const d = authorizeRequest({ ...base, ...c }, tok);
      assert.equal(d.ok ? (d.setCookie ? 'ok+cookie' : 'ok') : String(d.status), want);
    });
  }
  it('readCookie', () => {
    assert.equal(readCookie('x=1; centos_token=a%20b', 'centos_token'), 'a b');
    assert.equal(readCookie('x=1', 'centos_token'), undefined);
    assert.equal(readCookie('centos_token=%E0%A4%A', 'centos_token'), undefined);
  });
});

describe('parseQuery', () => {
  const q = (s: string) => new URLSearchParams(s);
  it('accepts and coerces', () => assert.deepEqual(parseQuery('list', q('limit=5')), { ok: true, value: { limit: 5 } }));
  it('accepts the token everywhere', () => assert.equal(parseQuery('none', q('token=x')).ok, true));
  const bad: Array<['none' | 'list' | 'pipeline', string, RegExp]> = [
    ['list', 'limit=abc', /limit: expected a number/],
    ['list', 'limit=0', /at least 1/],
    ['list', 'limit=1.5', /whole number/],
    ['list', 'limit=100000', /at most 1000/],
    ['list', 'limit=1&limit=2', /more than once/],
    ['none', 'limit=1', /unknown query parameter limit/],
    ['pipeline', 'app=%3Cscript%3E', /app: expected/],
  ];
  for (const [kind, s, msg] of bad) {
    it(`${kind} ?${s} → 400`, () => {
      const r = parseQuery(kind, q(s));
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.message, msg);
    });
  }
});

describe('buildSnapshot and checkHealth', () => {
  const pipeline = { at: '', shards: [], workers: [] };
  it('live counters win over the roll-up totals; the rest comes from the roll-up', () => {
    const s = buildSnapshot({
      now: 1_000,
      rollups: { summary: { events: 5, users: 3, duplicatesDropped: 1, outOfOrder: 0, deadLetters: 0, eventsPerSecond: 0.5 } },
      computedAt: 900,
      counters: { events_applied: 9, duplicates_dropped: 2 },
      pipeline,
    });
    assert.deepEqual(s.summary, { events: 9, users: 3, duplicatesDropped: 2, outOfOrder: 0, deadLetters: 0, eventsPerSecond: 0.5 });
    assert.equal(s.hasData, true);
    assert.equal(s.computedAt, 900);
  });
  it('an empty database is "no data yet"', () => {
    const s = buildSnapshot({ now: 1_000, rollups: {}, computedAt: undefined, counters: {}, pipeline });
    assert.equal(s.hasData, false);
    assert.deepEqual(s.latest, []);
    assert.deepEqual(s.activity, { minutes: [], series: {}, totals: {} });
  });
  it('unreachable keeps the last good data and flags it', () => {
    const good = buildSnapshot({ now: 1_000, rollups: {}, computedAt: 500, counters: { events_applied: 4 }, pipeline });
    const s = unreachableSnapshot(2_000, 'ECONNREFUSED', good);
    assert.deepEqual(s.db, { ok: false, error: 'ECONNREFUSED' });
    assert.equal(s.summary.events, 4);
  });
  const cases: Array<[string, { db: boolean; computedAt: number | null }, boolean, RegExp | undefined]> = [
    ['fresh', { db: true, computedAt: 95_000 }, true, undefined],
    ['stale scheduler', { db: true, computedAt: 10_000 }, false, /roll-ups are 90 s old/],
    ['no roll-ups yet', { db: true, computedAt: null }, false, /no roll-ups computed yet/],
    ['db down', { db: false, computedAt: 95_000 }, false, /database unreachable/],
  ];
  for (const [name, c, ok, reason] of cases) {
    it(`health: ${name}`, () => {
      const s = buildSnapshot({ now: 100_000, rollups: {}, computedAt: c.computedAt ?? undefined, counters: {}, pipeline });
      const h = checkHealth(c.db ? s : unreachableSnapshot(100_000, 'down', s), 100_000, 30_000);
      assert.equal(h.ok, ok);
      if (reason) assert.match(h.reasons.join('\n'), reason);
    });
  }
});
