// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQuery } from '../../src/serve/parseQuery.ts';

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
