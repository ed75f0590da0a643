// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorizeRequest, readCookie, type RequestCredentials } from '../../src/serve/authorizeRequest.ts';

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
