// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, redactUrl } from '../../src/log/createLogger.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).trim().split('\n'));
      cb();
    },
  });
  return { lines, destination };
}

describe('logging', () => {
  it('writes JSON lines and redacts secrets wherever they appear', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', pretty: false, destination });
    log.info({ password: 'p1', db: { password: 'p2' }, token: 't1', aws: { secretAccessKey: 'k1' }, user: 'ann' }, 'hello');
    log.debug('hidden at info');
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]!);
    assert.equal(line.msg, 'hello');
    assert.equal(line.user, 'ann');
    for (const secret of ['p1', 'p2', 't1', 'k1']) assert.ok(!lines[0]!.includes(secret), secret);
    assert.equal(line.db.password, '[redacted]');
  });

  it('removes passwords from URLs', () => {
    assert.equal(redactUrl('mysql://app:hunter2@db.example.com:3306/x'), 'mysql://app:redacted@db.example.com:3306/x');
    assert.equal(redactUrl('mysql://app@db/x'), 'mysql://app@db/x');
    assert.equal(redactUrl('sqlite:.centos/centos.db'), 'sqlite:.centos/centos.db');
  });
});
