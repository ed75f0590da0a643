import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseEventFile } from '../../src/events/parseEventFile.ts';
import { runCentos } from '../helpers/runCentos.ts';

const tmp = () => mkdtemp(path.join(tmpdir(), 'centos-cli-'));

describe('centos CLI (the real binary)', () => {
  it('--help lists exactly the commands that exist', async () => {
    const r = await runCentos(['--help']);
    assert.equal(r.code, 0);
    for (const cmd of ['generate', 'setup', 'local', 'config']) assert.match(r.stdout, new RegExp(`^  ${cmd} `, 'm'));
    assert.match(r.stdout, /defaults < config file < CENTOS_\* environment < flags/);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await runCentos(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), pkg.version);
  });

  it('generate 2 10 writes two valid files into the watch directory', async () => {
    const cwd = await tmp();
    const r = await runCentos(['generate', '2', '10'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const files = await readdir(path.join(cwd, '.centos/watch'));
    assert.equal(files.length, 2);
    for (const f of files) {
      const parsed = parseEventFile(await readFile(path.join(cwd, '.centos/watch', f), 'utf8'), f);
      assert.equal(parsed.records.length, 10);
      assert.deepEqual(parsed.invalid, []);
    }
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => path.basename(l)).sort(), files.sort());
  });

  it('rejects bad generate arguments with exit 2 and a clear message', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['generate', '0', '10'], /argument 'files'.*at least 1/],
      [['generate', '2', '-3'], /at least 1|unknown option/],
      [['generate', 'two', '10'], /argument 'files'.*whole number/],
      [['generate', '2', '10', '--duplicates', '1.5'], /--duplicates.*between 0 and 1/],
      [['generate', '2', '10', '--users', '0'], /--users.*at least 1/],
      [['generate', '2'], /missing required argument 'rows'/],
      [['generate', '2', '10', '--bogus'], /unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = await runCentos(args, { cwd: await tmp() });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
  });

  it('invalid config: exit 2, one line per bad key path', async () => {
    const cwd = await tmp();
    await writeFile(path.join(cwd, 'centos.json'), JSON.stringify({ stream: { shards: -1 }, extra: true }));
    const r = await runCentos(['config'], { cwd, env: { CENTOS_SERVER_PORT: 'http' } });
    assert.equal(r.code, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 3, r.stderr);
    assert.ok(lines.some((l) => /^centos: invalid config: stream\.shards: /.test(l)));
    assert.ok(lines.some((l) => /^centos: invalid config: extra: unknown key/.test(l)));
    assert.ok(lines.some((l) => /^centos: invalid config: server\.port: .*\(from CENTOS_SERVER_PORT\)/.test(l)));
  });

  it('config prints the effective configuration without the password', async () => {
    const r = await runCentos(['config'], { cwd: await tmp(), env: { CENTOS_DB_URL: 'mysql://app:pw123@127.0.0.1:3306/x', CENTOS_DB_PASSWORD: 'other-secret' } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes('pw123') && !r.stdout.includes('other-secret'));
    assert.equal(JSON.parse(r.stdout).db.url, 'mysql://app:redacted@127.0.0.1:3306/x');
  });
});
