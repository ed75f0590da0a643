import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { UsageError } from '../../src/errors.ts';
import { mysqlUrlProblem, parseMysqlUrl, type MysqlTls } from '../../src/store/parseMysqlUrl.ts';

describe('parseMysqlUrl: TLS settings of db.url', () => {
  const ok: Array<[string, MysqlTls]> = [
    ['mysql://u@h/db', { kind: 'none' }],
    ['mysql://u@h/db?ssl=false', { kind: 'none' }],
    ['mysql://u@h/db?ssl-mode=disabled', { kind: 'none' }],
    ['mysql://u@h/db?ssl=true', { kind: 'system', mode: 'verify-identity' }],
    ['mysql://u@h/db?ssl=true&ssl-mode=verify-ca', { kind: 'system', mode: 'verify-ca' }],
    ['mysql://u@h/db?ssl=Amazon%20RDS', { kind: 'profile', name: 'Amazon RDS', mode: 'verify-identity' }],
    ['mysql://u@h/db?ssl=Amazon+RDS', { kind: 'profile', name: 'Amazon RDS', mode: 'verify-identity' }],
    ['mysql://u@h/db?ssl-ca=/etc/ssl/rds.pem', { kind: 'ca-file', path: '/etc/ssl/rds.pem', mode: 'verify-identity' }],
    ['mysql://u@h/db?ssl=true&ssl-ca=/x.pem&ssl-mode=verify-ca', { kind: 'ca-file', path: '/x.pem', mode: 'verify-ca' }],
  ];
  for (const [url, tls] of ok) {
    it(`${url} → ${tls.kind}`, () => assert.deepEqual(parseMysqlUrl(url).tls, tls));
  }

  const bad: Array<[string, RegExp]> = [
    ['mysql://u@h/db?sslmode=require', /unknown parameter "sslmode"/],
    ['mysql://u@h/db?ssl=1', /ssl=1: expected true, false or "Amazon RDS"/],
    ['mysql://u@h/db?ssl=Amazon', /ssl=Amazon: expected/],
    ['mysql://u@h/db?ssl-mode=required', /ssl-mode=required: expected verify-identity, verify-ca or disabled/],
    ['mysql://u@h/db?ssl-mode=verify-ca', /without ssl=… or ssl-ca=…/],
    ['mysql://u@h/db?ssl=Amazon%20RDS&ssl-mode=verify-ca', /checks the host name always/],
    ['mysql://u@h/db?ssl=Amazon%20RDS&ssl-ca=/x.pem', /one source of trusted authorities/],
    ['mysql://u@h/db?ssl-ca=', /ssl-ca is empty/],
    ['mysql://u@h/db?ssl-mode=disabled&ssl=true', /contradicts/],
  ];
  for (const [url, why] of bad) {
    it(`${url} is refused`, () => {
      assert.throws(() => parseMysqlUrl(url), (err) => err instanceof UsageError && err.exitCode === 2 && /^invalid config: db\.url: /.test(err.message) && why.test(err.message));
      assert.match(mysqlUrlProblem(url)!, why);
    });
  }

  it('loading the config refuses an unknown TLS parameter, naming db.url (exit 2), instead of connecting in plaintext', () => {
    assert.throws(
      () => loadConfig({ env: { CENTOS_DB_URL: 'mysql://u@h/db?tls=true' }, cwd: '/' }),
      (err) => err instanceof UsageError && err.exitCode === 2 && /db\.url: unknown parameter "tls"/.test(err.message),
    );
  });
});
