// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkBind, isLoopbackHost } from '../../src/serve/checkBind.ts';

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
