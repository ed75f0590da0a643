// test tier: e2e (the binary, a browser or the whole pipeline)
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createKinesisClient } from '../../src/aws/awsClients.ts';
import { createStream, readStream } from '../helpers/readStream.ts';
import { runCentos } from '../helpers/runCentos.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { userEvent } from '../helpers/userEvent.ts';

/*
 * Files arriving the way ordinary programs write them — in pieces, with pauses, appended to, into
 * directories on other or full file systems — with the real `centos produce` as a child process.
 * Each case ends with every input event in the stream (read independently) and the file in the
 * right directory.
 */

const BIN = new URL('../../bin/centos', import.meta.url).pathname;
const QUIET_MS = 300;

let stack: TestStack;
let n = 0;
const mounts: Tmpfs[] = [];

interface Run {
  dir: string;
  stream: string;
  watch: string;
  done: string;
  rejected: string;
  dead: string;
  env: Record<string, string>;
}

async function setupRun(extra: Record<string, string> = {}, dirs: Partial<Pick<Run, 'done' | 'dead'>> = {}): Promise<Run> {
  const stream = `intake-${++n}`;
  const dir = path.join(stack.dir, stream);
  await createStream(createKinesisClient(stack.settings().config), stream, 2);
  const r = { dir, stream, watch: path.join(dir, 'watch'), done: dirs.done ?? path.join(dir, 'done'), rejected: path.join(dir, 'rejected'), dead: dirs.dead ?? path.join(dir, 'dead') };
  await mkdir(r.watch, { recursive: true });
  const env = {
    CENTOS_AWS_KINESIS_ENDPOINT: stack.kinesisEndpoint,
    CENTOS_STREAM_NAME: stream,
    CENTOS_PATHS_WATCH: r.watch,
    CENTOS_PATHS_DONE: r.done,
    CENTOS_PATHS_REJECTED: r.rejected,
    CENTOS_PATHS_DEAD_LETTERS: r.dead,
    CENTOS_PRODUCER_SETTLE_MS: String(QUIET_MS),
    CENTOS_PRODUCER_RESCAN_MS: '100',
    CENTOS_PRODUCER_INCOMPLETE_WAIT_MS: '20000',
    CENTOS_LOG_LEVEL: 'debug',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
  return { ...r, env };
}

const event = (i: number, tag: string) => userEvent({ eventId: `${tag}-${i}`, userid: `u${i % 7}`, fullName: 'Ann Lee', gender: 'F', activityMetadata: `m${i}`, userSeq: i });
const events = (count: number, tag: string) => Array.from({ length: count }, (_, i) => event(i, tag));
const asArray = (es: object[]) => '[\n' + es.map((e) => JSON.stringify(e)).join(',\n') + '\n]\n';
const asLines = (es: object[]) => es.map((e) => JSON.stringify(e) + '\n').join('');
const ls = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).sort();

/** Every id in the stream at least once (duplicates from re-reads are allowed). */
async function assertAllInStream(run: Run, ids: string[]): Promise<void> {
  const got = new Set((await readStream(createKinesisClient(stack.settings().config), run.stream)).map((e) => e.event.eventId));
  assert.deepEqual(ids.filter((id) => !got.has(id)), [], 'every input event is in the stream');
}

/** The producer as a long-running child process (watch mode), its log kept for assertions. */
function startProducer(run: Run): ChildProcess & { log: () => string } {
  const child = spawn(process.execPath, [BIN, 'produce'], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...run.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  return Object.assign(child, { log: () => log });
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((r) => child.once('close', r));
  child.kill(signal);
  await closed;
}

/**
 * Another process writes `parts` into `file` with a pause between them — holding the file open
 * throughout (like cp or scp), or opening, appending and closing for each part (like a logger).
 */
function slowWriter(file: string, parts: string[], pauseMs: number, holdOpen: boolean): Promise<void> {
  const script = `
    const fs = require('node:fs');
    const parts = JSON.parse(process.env.PARTS);
    const pause = Number(process.env.PAUSE_MS);
    let fd = fs.openSync(process.env.FILE, 'w');
    let i = 0;
    const next = () => {
      if (i > 0 && process.env.HOLD !== '1') fd = fs.openSync(process.env.FILE, 'a');
      fs.writeSync(fd, parts[i++]);
      if (process.env.HOLD !== '1' || i === parts.length) fs.closeSync(fd);
      if (i < parts.length) setTimeout(next, pause);
    };
    next();`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { env: { FILE: file, PARTS: JSON.stringify(parts), PAUSE_MS: String(pauseMs), HOLD: holdOpen ? '1' : '0' }, stdio: 'inherit' });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`))));
  });
}

before(async () => {
  stack = await startTestStack();
});
after(async () => {
  for (const m of mounts) await m.unmount();
  await stack.close();
});

describe('file intake: files written by ordinary programs', { timeout: 120_000 }, () => {
  for (const format of ['json-array', 'json-lines'] as const) {
    for (const holdOpen of [true, false]) {
      it(`${format} written in two halves with a pause past the quiet period (${holdOpen ? 'writer keeps it open' : 'writer closes between writes'}) is sent whole, never rejected or cut`, async () => {
        const run = await setupRun();
        const es = events(200, `${format}-${holdOpen}`);
        const text = format === 'json-array' ? asArray(es) : asLines(es);
        // Cut inside a record, so the first half is not valid on its own.
        const cut = text.indexOf('"m100"') + 2;
        const name = format === 'json-array' ? 'slow.json' : 'slow.jsonl';
        const producer = startProducer(run);
        try {
          await waitFor('the producer to start', () => producer.log().includes('"producing"'), 30_000);
          await slowWriter(path.join(run.watch, name), [text.slice(0, cut), text.slice(cut)], QUIET_MS * 5, holdOpen);
          await waitFor('the file in done', async () => (await ls(run.done)).includes(name), 60_000);
          assert.deepEqual(await ls(run.rejected), []);
          assert.deepEqual(await ls(run.dead), [], 'nothing dead-lettered');
          assert.equal(await readFile(path.join(run.done, name), 'utf8'), text);
          await assertAllInStream(run, es.map((e) => e.eventId));
          if (holdOpen) assert.match(producer.log(), /open for writing; waiting for its writer/);
          else assert.match(producer.log(), /(ends mid-record|last line is cut); waiting for its writer/);
        } finally {
          await stop(producer);
        }
      });
    }
  }

  it('a file appended to after the producer read it is read again from the start before it counts as done', async () => {
    // Slow sending (a low per-shard rate) so the append lands while the first read is in flight.
    const run = await setupRun({ CENTOS_PRODUCER_SHARD_BYTES_PER_SEC: '20000', CENTOS_PRODUCER_AGGREGATION_MAX_BYTES: '4096' });
    const first = events(600, 'first');
    const more = events(50, 'more').map((e) => ({ ...e, userSeq: e.userSeq! + 600 }));
    const file = path.join(run.watch, 'log.jsonl');
    await writeFile(file, asLines(first));
    const producer = startProducer(run);
    try {
      await waitFor('the producer to read the file', () => producer.log().includes('file read; sending its events'), 30_000);
      await appendFile(file, asLines(more));
      await waitFor('the file in done', async () => (await ls(run.done)).includes('log.jsonl'), 90_000);
      assert.match(producer.log(), /file changed while its events were being sent; reading it again/);
      assert.equal(await readFile(path.join(run.done, 'log.jsonl'), 'utf8'), asLines(first) + asLines(more));
      await assertAllInStream(run, [...first, ...more].map((e) => e.eventId));
    } finally {
      await stop(producer);
    }
  });

  it('skips names that mark a file in progress, and sends it once it is renamed', async () => {
    const run = await setupRun();
    const es = events(20, 'renamed');
    for (const name of ['a.json.tmp', 'a.json.part', 'a.json.crdownload', '.a.json']) await writeFile(path.join(run.watch, name), '[');
    await writeFile(path.join(run.watch, 'b.json.part'), asArray(es));
    const producer = startProducer(run);
    try {
      await waitFor('a first scan', () => producer.log().includes('producing'), 30_000);
      await rename(path.join(run.watch, 'b.json.part'), path.join(run.watch, 'b.json'));
      await waitFor('b.json in done', async () => (await ls(run.done)).includes('b.json'), 30_000);
      assert.deepEqual(await ls(run.watch), ['.a.json', 'a.json.crdownload', 'a.json.part', 'a.json.tmp']);
      assert.deepEqual(await ls(run.rejected), []);
      await assertAllInStream(run, es.map((e) => e.eventId));
    } finally {
      await stop(producer);
    }
  });

  it('an empty file goes to done with a note; a file cut short for good is dead-lettered or rejected after the wait', async () => {
    const run = await setupRun({ CENTOS_PRODUCER_INCOMPLETE_WAIT_MS: '500' });
    const es = events(10, 'cut');
    await writeFile(path.join(run.watch, 'empty.json'), ' \n');
    await writeFile(path.join(run.watch, 'cut.jsonl'), asLines(es).slice(0, -20));
    await writeFile(path.join(run.watch, 'cut.json'), asArray(es).slice(0, -20));
    const r = await runCentos(['produce', '--once'], { env: run.env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await ls(run.done), ['cut.jsonl', 'empty.json', 'empty.json.note.txt']);
    assert.deepEqual(await ls(run.rejected), ['cut.json', 'cut.json.error.txt']);
    assert.match(await readFile(path.join(run.rejected, 'cut.json.error.txt'), 'utf8'), /ends before the array does.*unchanged for 500 ms/);
    assert.match(r.stderr, /empty file/);
    const [dl] = await ls(run.dead);
    const dead = (await readFile(path.join(run.dead, dl!), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(dead.map((d) => [path.basename(d.file), d.position]), [['cut.jsonl', 9]]);
    assert.match(dead[0].reason, /ends mid-record/);
    await assertAllInStream(run, es.slice(0, 9).map((e) => e.eventId));
  });
});

describe('file intake: other and full file systems', { timeout: 120_000 }, () => {
  const tmpfs = async (name: string, size: string): Promise<Tmpfs | undefined> => {
    const m = await mountTmpfs(path.join(stack.dir, `mnt-${name}-${++n}`), size);
    if (m) mounts.push(m);
    return m;
  };
  const remount = promisify(execFile);
  /** A 64 KiB tmpfs already full: every write into it fails with ENOSPC. */
  const fullTmpfs = async (name: string): Promise<Tmpfs | undefined> => {
    const full = await tmpfs(name, '64k');
    if (full) await writeFile(path.join(full.dir, 'filler'), Buffer.alloc(64 * 1024)).catch(() => {});
    return full;
  };

  it('paths.done on another file system (EXDEV): files are copied, synced and really moved', async (t) => {
    const fs = await tmpfs('done', '16m');
    if (!fs) return t.skip('cannot mount tmpfs here');
    const run = await setupRun({}, { done: path.join(fs.dir, 'done') });
    const es = events(500, 'exdev');
    await writeFile(path.join(run.watch, 'a.json'), asArray(es.slice(0, 250)));
    await writeFile(path.join(run.watch, 'b.jsonl'), asLines(es.slice(250)));
    const r = await runCentos(['produce', '--once'], { env: run.env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await ls(run.done), ['a.json', 'b.jsonl']);
    assert.deepEqual(await ls(run.watch), []);
    await assertAllInStream(run, es.map((e) => e.eventId));
  });

  it('a full paths.done: exit 1 naming the key, path and ENOSPC, the file stays; kill -9 after the acks, then with space again it is done', async (t) => {
    const full = await fullTmpfs('full-done');
    if (!full) return t.skip('cannot mount tmpfs here');
    const run = await setupRun({}, { done: full.dir });
    const es = events(1000, 'full');
    await writeFile(path.join(run.watch, 'big.json'), asArray(es));
    const once = await runCentos(['produce', '--once'], { env: run.env });
    assert.equal(once.code, 1, once.stderr);
    assert.match(once.stderr, /big\.json \(paths\.done\): ENOSPC/);
    assert.deepEqual(await ls(run.watch), ['big.json']);
    await assertAllInStream(run, es.map((e) => e.eventId));

    // Every event acknowledged, the move failing: kill -9 the producer right there.
    const producer = startProducer(run);
    await waitFor('the failed move', () => /file left where it is/.test(producer.log()), 30_000);
    await stop(producer, 'SIGKILL');
    assert.deepEqual(await ls(run.watch), ['big.json']);
    await remount('mount', ['-o', 'remount,size=4m', full.dir]);
    const again = await runCentos(['produce', '--once'], { env: run.env });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await ls(run.watch), []);
    assert.ok((await ls(run.done)).includes('big.json'));
    assert.deepEqual((await ls(full.dir)).filter((f) => f.startsWith('.')), [], 'no temporary left');
  });

  it('a full paths.deadLetters: nothing of the file is sent, exit 1 names the key and path, the file stays until there is room', async (t) => {
    const full = await fullTmpfs('full-dead');
    if (!full) return t.skip('cannot mount tmpfs here');
    const run = await setupRun({}, { dead: full.dir });
    const es = events(30, 'dead');
    const lines = asLines(es).split('\n');
    lines.splice(10, 0, JSON.stringify({ ...event(99, 'bad'), gender: 'X' }));
    await writeFile(path.join(run.watch, 'mixed.jsonl'), lines.join('\n'));
    const once = await runCentos(['produce', '--once'], { env: run.env });
    assert.equal(once.code, 1, once.stderr);
    assert.match(once.stderr, /dead-letters-[\d-]+\.jsonl \(paths\.deadLetters\): ENOSPC/);
    assert.deepEqual(await ls(run.watch), ['mixed.jsonl']);
    assert.equal(existsSync(run.done), false, 'nothing moved to done');
    await remount('mount', ['-o', 'remount,size=4m', full.dir]);
    const again = await runCentos(['produce', '--once'], { env: run.env });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await ls(run.done), ['mixed.jsonl']);
    const dl = (await ls(full.dir)).find((f) => f.startsWith('dead-letters-'))!;
    const dead = (await readFile(path.join(full.dir, dl), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(dead.map((d) => [path.basename(d.file), d.position, JSON.parse(d.raw).gender]), [['mixed.jsonl', 10, 'X']]);
    await assertAllInStream(run, es.map((e) => e.eventId));
  });
});
