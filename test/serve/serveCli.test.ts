import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { httpRequest } from '../helpers/httpRequest.ts';
import { runCentos } from '../helpers/runCentos.ts';

const BIN = new URL('../../bin/centos', import.meta.url).pathname;

describe('centos serve (the real binary)', () => {
  it('refuses a non-loopback address without a token: exit 2 and how to fix it', async () => {
    const r = await runCentos(['serve', '--host', '0.0.0.0', '--port', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not loopback.*--token or CENTOS_DASHBOARD_TOKEN/);
  });

  it('serves until SIGTERM, then exits 0', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'centos-serve-cli-'));
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CENTOS_DB_URL: `sqlite:${path.join(dir, 'c.db')}`, CENTOS_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 30_000);
        child.stdout.on('data', (d) => {
          out += d;
          const m = /centos dashboard: (http:\/\/\S+)/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]!);
          }
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await httpRequest(url);
      assert.equal(page.status, 200);
      assert.match(page.body, /<title>centos dashboard<\/title>/);
      // No database yet: unhealthy, with the reason.
      const h = await httpRequest(`${url}healthz`);
      assert.equal(h.status, 503);
      assert.match(h.json().reasons.join(' '), /database unreachable/);
      const exited = new Promise<number | null>((r) => child.on('exit', r));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
