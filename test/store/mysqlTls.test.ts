import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { mariadbAvailable, startThrowawayMariadb, type ThrowawayMariadb } from '../../tools/chaos/throwawayMariadb.ts';
import { openStore } from '../../src/store/openStore.ts';
import { StoreError } from '../../src/store/StoreError.ts';

const run = promisify(execFile);

/** A throwaway CA (and a second, unrelated one) and a server certificate for 127.0.0.1, made with openssl. */
async function makeCertificates(dir: string) {
  const f = (name: string) => path.join(dir, name);
  const ca = async (name: string) => run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '2', '-subj', `/CN=${name}`]);
  await ca('centos-test-ca');
  await ca('unrelated-ca');
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1']);
  await writeFile(f('san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  await run('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('centos-test-ca.pem'), '-CAkey', f('centos-test-ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('san.cnf')]);
  return { ca: f('centos-test-ca.pem'), wrongCa: f('unrelated-ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

describe('TLS to MySQL (a throwaway MariaDB with a certificate from a throwaway CA)', () => {
  let dir: string;
  let db: ThrowawayMariadb | undefined;
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let skip: string | undefined;
  before(async () => {
    if (!(await mariadbAvailable())) {
      skip = 'MariaDB server binaries are not installed';
      return;
    }
    dir = await mkdtemp(path.join(tmpdir(), 'centos-tls-'));
    certs = await makeCertificates(dir);
    db = await startThrowawayMariadb(path.join(dir, 'mariadb'), { tls: { ca: certs.ca, cert: certs.cert, key: certs.key } });
  });
  after(async () => {
    await db?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cipherOf = async (url: string): Promise<string> => {
    const store = openStore(url);
    try {
      const [row] = await store.query<{ Value: string }>("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
      return row?.Value ?? '';
    } finally {
      await store.close();
    }
  };

  it('ssl-ca=<the CA that issued the server certificate>: an encrypted, verified connection', async (t) => {
    if (skip) return t.skip(skip);
    assert.notEqual(await cipherOf(`${db!.url}?ssl-ca=${encodeURIComponent(certs.ca)}`), '');
    assert.notEqual(await cipherOf(`${db!.url}?ssl-ca=${encodeURIComponent(certs.ca)}&ssl-mode=verify-ca`), '');
    assert.equal(await cipherOf(db!.url), '', 'without TLS settings the connection is plain (the server allows both)');
  });

  it('the wrong CA, the Amazon RDS profile, or only Node\'s authorities: refused, with a message that says what to check', async (t) => {
    if (skip) return t.skip(skip);
    const cases: Array<[string, RegExp]> = [
      [`ssl-ca=${encodeURIComponent(certs.wrongCa)}`, /TLS: the server's certificate is not signed by an authority in the CA bundle ssl-ca=.*unrelated-ca\.pem/],
      ['ssl=Amazon%20RDS', /TLS: the server's certificate is not signed by an authority in the Amazon RDS CA profile/],
      ['ssl=true', /TLS: the server's certificate is not signed by an authority in Node's trusted authorities \(ssl=true\)/],
    ];
    for (const [query, message] of cases) {
      await assert.rejects(cipherOf(`${db!.url}?${query}`), (err) => {
        assert.ok(err instanceof StoreError && !err.retriable, query);
        assert.match(err.message, message);
        return true;
      });
    }
  });

  it('a CA bundle that cannot be read is a config error naming db.url', async (t) => {
    if (skip) return t.skip(skip);
    assert.throws(() => openStore(`${db!.url}?ssl-ca=/nonexistent/ca.pem`), /invalid config: db\.url: ssl-ca=\/nonexistent\/ca\.pem: cannot read the CA bundle \(ENOENT\)/);
  });
});
