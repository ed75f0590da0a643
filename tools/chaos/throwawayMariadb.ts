import { freePort } from '../../src/util/freePort.ts';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A MariaDB server of our own: its own datadir, port and socket. Never the machine's shared server. */
export interface ThrowawayMariadb {
  port: number;
  /** mysql://root@127.0.0.1:<port>/<database> */
  url: string;
  dataDir: string;
  /** SIGTERM, wait for the exit, start again on the same port and datadir; resolves when it answers again. */
  restart(opts?: { downMs?: number }): Promise<{ downMs: number }>;
  stop(): Promise<void>;
}

/** Whether this machine has the MariaDB server binaries the chaos run needs. */
export async function mariadbAvailable(): Promise<boolean> {
  try {
    await run('mariadbd', ['--version']);
    // `mariadb-install-db --help` exits 1; `--version` is not an option of it. Look it up on PATH instead.
    await run('sh', ['-c', 'command -v mariadb-install-db && command -v mariadb-admin && command -v mariadb']);
    return true;
  } catch {
    return false;
  }
}

async function ping(port: number): Promise<boolean> {
  try {
    await run('mariadb-admin', ['--no-defaults', '--protocol=tcp', '-h', '127.0.0.1', '-P', String(port), '-u', 'root', '--connect-timeout=2', 'ping'], { timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * `mariadb-install-db` into `dir`, `mariadbd` on a free loopback port, and an empty database.
 * Root may log in over TCP without a password (only from this machine, on this throwaway port).
 * With `tls` (PEM file paths), the server also offers TLS with that certificate.
 */
export async function startThrowawayMariadb(dir: string, o: { database?: string; startTimeoutMs?: number; tls?: { ca: string; cert: string; key: string } } = {}): Promise<ThrowawayMariadb> {
  const dataDir = path.join(dir, 'data');
  const database = o.database ?? 'centos';
  await rm(dir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  await run('mariadb-install-db', ['--no-defaults', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...asRoot], { timeout: 120_000 });
  const port = await freePort();
  const log: WriteStream = createWriteStream(path.join(dir, 'mariadbd.log'), { flags: 'a' });
  let child: ChildProcess | undefined;
  const startTimeoutMs = o.startTimeoutMs ?? 60_000;

  const start = async () => {
    const c = spawn(
      'mariadbd',
      [
        '--no-defaults',
        `--datadir=${dataDir}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--socket=${path.join(dir, 'mariadbd.sock')}`,
        `--pid-file=${path.join(dir, 'mariadbd.pid')}`,
        '--skip-name-resolve',
        '--max-connections=500',
        '--innodb-buffer-pool-size=64M',
        '--innodb-log-file-size=48M',
        '--innodb-flush-log-at-trx-commit=2',
        '--skip-log-bin',
        ...(o.tls ? [`--ssl-ca=${o.tls.ca}`, `--ssl-cert=${o.tls.cert}`, `--ssl-key=${o.tls.key}`] : []),
        ...asRoot,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    c.stdout!.pipe(log, { end: false });
    c.stderr!.pipe(log, { end: false });
    child = c;
    const deadline = Date.now() + startTimeoutMs;
    while (!(await ping(port))) {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`mariadbd exited (${c.exitCode ?? c.signalCode}); see ${path.join(dir, 'mariadbd.log')}`);
      if (Date.now() > deadline) throw new Error(`mariadbd did not answer on port ${port} within ${startTimeoutMs} ms; see ${path.join(dir, 'mariadbd.log')}`);
      await delay(200);
    }
  };

  const stopChild = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => c.kill('SIGKILL'), 60_000);
      c.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      c.kill('SIGTERM');
    });
  };

  try {
    await start();
    await run('mariadb', ['--no-defaults', '--protocol=tcp', '-h', '127.0.0.1', '-P', String(port), '-u', 'root', '-e', `CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4`]);
  } catch (err) {
    await stopChild();
    log.end();
    throw err;
  }

  return {
    port,
    url: `mysql://root@127.0.0.1:${port}/${database}`,
    dataDir,
    async restart(r = {}) {
      const t0 = Date.now();
      await stopChild();
      if (r.downMs) await delay(r.downMs);
      await start();
      return { downMs: Date.now() - t0 };
    },
    async stop() {
      await stopChild();
      log.end();
    },
  };
}
