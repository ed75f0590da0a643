// test tier: e2e (the binary, a browser or the whole pipeline)
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const binary = path.join(root, 'dist', 'centos');
const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;

/** Newest modification time of anything the binary is built from. */
function newestSource(): number {
  let newest = 0;
  const walk = (p: string) => {
    const s = statSync(p);
    if (s.isDirectory()) for (const e of readdirSync(p)) walk(path.join(p, e));
    else newest = Math.max(newest, s.mtimeMs);
  };
  for (const p of ['src', 'bin', 'scripts', 'package.json', 'package-lock.json']) walk(path.join(root, p));
  return newest;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(binary, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('single executable (dist/centos)', { timeout: 300_000 }, () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(() => {
    // One build per run; a binary newer than every source is reused.
    if (!existsSync(binary) || statSync(binary).mtimeMs < newestSource()) {
      const b = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-binary.ts'], { cwd: root, encoding: 'utf8' });
      assert.equal(b.status, 0, `build failed:\n${b.stdout}\n${b.stderr}`);
    }
    dir = mkdtempSync(path.join(tmpdir(), 'centos-sea-'));
    assert.equal(existsSync(path.join(dir, 'node_modules')), false);
    // No NODE_PATH, and the addon cache inside the temporary directory.
    env = { PATH: process.env.PATH, HOME: dir, XDG_CACHE_HOME: path.join(dir, 'cache') };
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('answers --version from a directory without node_modules', async () => {
    const r = await run(['--version'], dir, env, 30_000);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), version);
    assert.equal(r.stderr, '', 'no warnings on stderr');
  });

  it('runs a 20 s demo on the embedded stack, consumers by enhanced fan-out, and its audit is clean', async () => {
    const r = await run(['demo', '--efo', '--duration', '20', '--port', String(await freePort()), '--dir', path.join(dir, 'demo')], dir, env, 240_000);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr.slice(-4000)}`);
    assert.match(r.stdout, /OK: every event exactly once, in order\./);
    assert.match(r.stdout, /enhanced fan-out: [1-9]\d* subscription\(s\), [1-9]\d* records/, 'the workers read by SubscribeToShard over HTTP/2');
    // better-sqlite3 came out of the binary into the content-addressed cache.
    const cached = readdirSync(path.join(dir, 'cache', 'centos', version));
    assert.ok(cached.some((f) => f.endsWith('-better_sqlite3.node')), cached.join(', '));
  });

  it('persists embedded Kinesis through the embedded leveldown addon (centos local)', async () => {
    const data = path.join(dir, 'local');
    const child = spawn(binary, ['local', '--data-dir', data, '--kinesis-port', '0', '--s3-port', '0'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`centos local did not start:\n${out}\n${err}`)), 30_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        if (out.includes('Ctrl-C to stop')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`centos local exited with ${code}:\n${out}\n${err}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, err);
    assert.ok(existsSync(path.join(data, 'kinesis', 'CURRENT')), 'LevelDB files in the data directory');
    assert.ok(readdirSync(path.join(dir, 'cache', 'centos', version)).some((f) => f.endsWith('-leveldown.node')));
  });
});
