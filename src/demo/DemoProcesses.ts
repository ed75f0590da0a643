import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log/createLogger.ts';
import { selfCommand } from './selfCommand.ts';

export interface DemoProcess {
  name: string;
  args: string[];
  child: ChildProcess;
  restarts: number;
  /** Chaos may kill it; the demo restarts it. */
  killable: boolean;
}

/** The demo's child processes: the same centos binary with different commands, logs to files. */
export class DemoProcesses {
  readonly all = new Map<string, DemoProcess>();
  private readonly logs = new Map<string, WriteStream>();
  private stopping = false;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
    private readonly log: Logger,
    /** How to start the centos binary; defaults to this process's own binary. */
    private readonly self: { command: string; args: string[] } = selfCommand(),
  ) {}

  start(name: string, args: string[], killable = false): DemoProcess {
    const self = this.self;
    const out = this.logs.get(name) ?? createWriteStream(path.join(this.logDir, `${name}.log`), { flags: 'a' });
    this.logs.set(name, out);
    const child = spawn(self.command, [...self.args, ...args], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(out, { end: false });
    child.stderr!.pipe(out, { end: false });
    const prev = this.all.get(name);
    const p: DemoProcess = { name, args, child, restarts: prev ? prev.restarts + 1 : 0, killable };
    this.all.set(name, p);
    child.on('exit', (code, signal) => {
      if (this.stopping || this.all.get(name) !== p) return;
      this.log.warn({ process: name, code, signal }, `${name} exited unexpectedly; restarting (log: ${path.join(this.logDir, `${name}.log`)})`);
      setTimeout(() => !this.stopping && this.start(name, args, killable), 1_000);
    });
    return p;
  }

  /** kill -9 one process and start it again a moment later (it is a new worker in the lease table). */
  kill9(name: string): void {
    const p = this.all.get(name);
    if (!p) return;
    this.all.delete(name);
    p.child.kill('SIGKILL');
    setTimeout(() => !this.stopping && this.start(name, p.args, p.killable), 1_000);
  }

  /** SIGTERM these (all when omitted) and wait until they exited. */
  async stop(names?: string[]): Promise<void> {
    if (!names) this.stopping = true;
    const targets = [...this.all.values()].filter((p) => !names || names.includes(p.name));
    for (const p of targets) this.all.delete(p.name);
    await Promise.all(
      targets.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
            const force = setTimeout(() => p.child.kill('SIGKILL'), 20_000);
            p.child.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            p.child.kill('SIGTERM');
          }),
      ),
    );
    if (!names) for (const l of this.logs.values()) l.end();
  }
}
