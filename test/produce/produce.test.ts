import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ListShardsCommand, MergeShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../../src/aws/awsClients.ts';
import { main } from '../../src/cli/main.ts';
import { parseEventFile } from '../../src/events/parseEventFile.ts';
import { writeGeneratedFiles } from '../../src/generate/writeGeneratedFiles.ts';
import { ensureStream } from '../../src/setup/ensureStream.ts';
import { auditStreamView, streamViolations } from '../../src/audit/auditStreamView.ts';
import { readInputEvents } from '../../src/audit/readInputEvents.ts';
import { readKclView } from '../../src/audit/readKclView.ts';
import { readerOptions } from '../../src/consumers/readerOptions.ts';
import { createReadCounters } from '../../src/kinesis/ShardReader.ts';
import { sdkKinesisReadPort } from '../../src/kinesis/KinesisReadPort.ts';
import { silentLog } from '../helpers/consumerHarness.ts';
import { startLimitProxy } from '../../src/local/startLimitProxy.ts';
import { createStream, orderViolations, readStream, readStreamView } from '../helpers/readStream.ts';
import { runCentos } from '../helpers/runCentos.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

const agg = createRequire(import.meta.url)('aws-kinesis-agg') as {
  deaggregateSync(rec: { data: string; partitionKey: string; sequenceNumber: string }, checksums: boolean, cb: (err: Error | null, out?: Array<{ partitionKey: string; data: string }>) => void): void;
};

const BIN = new URL('../../bin/centos', import.meta.url).pathname;
const FIXTURES = new URL('../fixtures/legacy-centos/', import.meta.url).pathname;

let stack: TestStack;
let n = 0;

interface Run {
  dir: string;
  stream: string;
  env: Record<string, string>;
}

/** A fresh stream and fresh directories; `endpoint` defaults to kinesalite itself. */
async function setupRun(shards: number, endpoint = stack.kinesisEndpoint, extra: Record<string, string> = {}): Promise<Run> {
  const stream = `produce-${++n}`;
  const dir = path.join(stack.dir, stream);
  await createStream(createKinesisClient(stack.settings().config), stream, shards);
  const env = {
    CENTOS_AWS_KINESIS_ENDPOINT: endpoint,
    CENTOS_STREAM_NAME: stream,
    CENTOS_PATHS_GENERATED: path.join(dir, 'generated'),
    CENTOS_PATHS_WATCH: path.join(dir, 'watch'),
    CENTOS_PATHS_DONE: path.join(dir, 'done'),
    CENTOS_PATHS_REJECTED: path.join(dir, 'rejected'),
    CENTOS_PATHS_DEAD_LETTERS: path.join(dir, 'dead'),
    CENTOS_LOG_LEVEL: 'error',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
  return { dir, stream, env };
}

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk, _enc, cb) {
      w.text += String(chunk);
      cb();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

/** `centos produce …` in this process, through the real command. */
async function produce(run: Run, args: string[], signal = new AbortController().signal): Promise<{ code: number; stderr: string }> {
  const stderr = sink();
  const code = await main(['produce', ...args], { signal, env: run.env, stdout: sink(), stderr });
  return { code, stderr: stderr.text };
}

const ls = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).sort();
const kinesis = () => createKinesisClient(stack.settings().config);

async function generate(run: Run, files: number, rows: number, users: number, seed: number): Promise<string[]> {
  const r = await writeGeneratedFiles({ files, rows, users, seed, duplicates: 0, startMs: Date.parse('2024-01-01T00:00:00Z'), intervalMs: 0, generatedDir: path.join(run.dir, 'generated'), watchDir: path.join(run.dir, 'watch') });
  const ids: string[] = [];
  for (const f of r.files) for (const rec of parseEventFile(await readFile(f, 'utf8'), path.basename(f)).records) ids.push(rec.event.eventId);
  return ids;
}

before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack.close();
});

describe('centos produce against kinesalite', () => {
  it('generate 5 1000 && produce --once: all files done, the stream holds exactly those events in per-user order, readable by aws-kinesis-agg', async () => {
    const run = await setupRun(4);
    const ids = await generate(run, 5, 1000, 300, 1);
    const r = await produce(run, ['--once']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await ls(path.join(run.dir, 'done'))).length, 5);
    assert.deepEqual(await ls(path.join(run.dir, 'watch')), []);
    const events = await readStream(kinesis(), run.stream);
    assert.deepEqual(events.map((e) => e.event.eventId).sort(), [...ids].sort(), 'exactly the generated events, no duplicates');
    assert.deepEqual(orderViolations(events), []);
    assert.ok(events.every((e) => e.aggregated));
    assert.equal(new Set(events.map((e) => e.shardId)).size, 4, 'spread over all shards');
    // AWS's own de-aggregator reads what we wrote.
    const records = new Map(events.map((e) => [e.sequenceNumber, e.raw]));
    let viaAws = 0;
    for (const [seq, raw] of records) {
      agg.deaggregateSync({ data: Buffer.from(raw).toString('base64'), partitionKey: 'x', sequenceNumber: seq }, true, (err, out) => {
        assert.ifError(err);
        viaAws += out!.length;
      });
    }
    assert.equal(viaAws, ids.length);
  });

  for (const aggregation of [true, false]) {
    it(`keeps per-user order exact and loses nothing under throttling, failed records, 500s and dropped connections (aggregation ${aggregation})`, async () => {
      const proxy = await startLimitProxy({
        upstream: stack.kinesisEndpoint,
        port: 0,
        shardBytesPerSec: aggregation ? 150_000 : 1_000_000,
        // Without aggregation the first call alone carries more records per shard than one second allows.
        shardRecordsPerSec: aggregation ? 1000 : 60,
        faults: { failRecordFraction: 0.15, error500Fraction: 0.1, dropConnectionFraction: 0.1 },
      });
      try {
        const run = await setupRun(2, proxy.endpoint, {
          // Above the proxy's limits on purpose, so it throttles.
          CENTOS_PRODUCER_SHARD_BYTES_PER_SEC: '400000',
          CENTOS_PRODUCER_SHARD_RECORDS_PER_SEC: '5000',
          CENTOS_PRODUCER_RETRY_INITIAL_MS: '5',
          CENTOS_PRODUCER_RETRY_MAX_MS: '100',
          CENTOS_PRODUCER_AGGREGATION_MAX_BYTES: '8192',
        });
        const ids = await generate(run, 3, aggregation ? 800 : 200, aggregation ? 40 : 150, 2);
        const r = await produce(run, ['--once', ...(aggregation ? [] : ['--no-aggregation'])]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal((await ls(path.join(run.dir, 'done'))).length, 3);
        const events = await readStream(kinesis(), run.stream);
        const got = new Set(events.map((e) => e.event.eventId));
        assert.deepEqual(ids.filter((id) => !got.has(id)), [], 'no event missing');
        assert.deepEqual(orderViolations(events), []);
        assert.ok(proxy.stats.throttledRecords > 0, `throttled ${proxy.stats.throttledRecords}`);
        assert.ok(proxy.stats.failedRecords > 0 && proxy.stats.errors500 > 0 && proxy.stats.droppedConnections > 0, JSON.stringify(proxy.stats));
      } finally {
        await proxy.close();
      }
    });
  }

  it('a split and a merge while producing: no user record only on a shard that excludes it, every event in per-user order as a KCL reader sees it', async () => {
    // Failed records make aggregates built before a reshard be retried after it.
    const proxy = await startLimitProxy({ upstream: stack.kinesisEndpoint, port: 0, enforceLimits: false, faults: { failRecordFraction: 0.2 } });
    after(() => proxy.close());
    const run = await setupRun(2, proxy.endpoint, {
      // Slow enough that both reshards happen mid-run; the map is only re-read when a put says it is stale.
      CENTOS_PRODUCER_SHARD_BYTES_PER_SEC: '40000',
      // Many users with a few events each: every aggregate carries users of both halves of a split shard.
      CENTOS_PRODUCER_AGGREGATION_MAX_BYTES: '16384',
      CENTOS_PRODUCER_SHARD_MAP_REFRESH_MS: '600000',
      CENTOS_PRODUCER_RETRY_INITIAL_MS: '5',
      CENTOS_PRODUCER_RETRY_MAX_MS: '200',
      CENTOS_LOG_LEVEL: 'info',
    });
    const ids = await generate(run, 8, 500, 1500, 4);
    const k = kinesis();
    const open = async () => ((await k.send(new ListShardsCommand({ StreamName: run.stream }))).Shards ?? []).filter((x) => x.SequenceNumberRange?.EndingSequenceNumber === undefined);
    const doneFiles = async () => (await ls(run.env.CENTOS_PATHS_DONE!)).length;
    const inStream = async () => (await readStreamView(k, run.stream)).events.length;
    // Files finish together (every user has events in every file), so progress is read from the stream itself.
    const waitInStream = async (n: number) => {
      for (const until = Date.now() + 120_000; (await inStream()) < n; ) {
        assert.ok(Date.now() < until, `waited for ${n} events in the stream`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    // A child process, so its log (with the re-send counters) can be read.
    const producing = runCentos(['produce', '--once'], { env: run.env, timeoutMs: 170_000 });
    await waitInStream(ids.length * 0.2);
    const [s0] = (await open()).sort((a, b) => (a.ShardId! < b.ShardId! ? -1 : 1));
    const mid = ((BigInt(s0!.HashKeyRange!.StartingHashKey!) + BigInt(s0!.HashKeyRange!.EndingHashKey!)) / 2n).toString();
    await k.send(new SplitShardCommand({ StreamName: run.stream, ShardToSplit: s0!.ShardId!, NewStartingHashKey: mid }));
    await ensureStream(k, { name: run.stream, shards: 2, retentionHours: 24, pollMs: 20 });
    await waitInStream(ids.length * 0.5);
    const shards = (await open()).sort((a, b) => (BigInt(a.HashKeyRange!.StartingHashKey!) < BigInt(b.HashKeyRange!.StartingHashKey!) ? -1 : 1));
    const [, upper, other] = shards;
    await k.send(new MergeShardsCommand({ StreamName: run.stream, ShardToMerge: upper!.ShardId!, AdjacentShardToMerge: other!.ShardId! }));
    await ensureStream(k, { name: run.stream, shards: 2, retentionHours: 24, pollMs: 20 });
    assert.ok((await inStream()) < ids.length * 0.9, 'the merge happened while producing');
    const r = await producing;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await doneFiles(), 8);
    const view = await readStreamView(k, run.stream);
    const got = new Set(view.events.map((e) => e.event.eventId));
    assert.deepEqual(ids.filter((id) => !got.has(id)), [], 'no event only on a shard that excludes it');
    assert.deepEqual(orderViolations(view.events, view.parentsOf), []);
    // The stale map did send aggregates to the lower child (kinesalite places them by ExplicitHashKey, as AWS does):
    // their copies there are what a KCL reader drops, and every one of them was sent again.
    assert.ok(view.dropped.length > 0, 'the split put some user records on a shard that excludes them');
    assert.ok(view.dropped.every((d) => got.has(d.event.eventId)));
    const finished = JSON.parse(r.stderr.split('\n').find((l) => l.includes('"produce finished"'))!) as { resentWrongShard: number; retriesRebuilt: number };
    assert.ok(finished.resentWrongShard >= view.dropped.length, `re-sent ${finished.resentWrongShard} for ${view.dropped.length} misplaced`);
    // The audit's own KCL reading agrees with the independent reader.
    const reads = createReadCounters();
    const kcl = await readKclView({ kinesis: sdkKinesisReadPort(k, run.stream), options: readerOptions(stack.settings().config.coordinator), counters: reads, log: silentLog });
    const audit = auditStreamView(kcl.shards, kcl.records, (await readInputEvents(run.env.CENTOS_PATHS_DONE!)).events, reads.subRecordsDropped);
    assert.equal(streamViolations(audit), 0, audit.examples.join('\n'));
    assert.equal(audit.droppedOutOfRange, view.dropped.length);
    process.stderr.write(`# split+merge: ${view.dropped.length} misplaced copies dropped, ${finished.resentWrongShard} re-sent, ${finished.retriesRebuilt} retried aggregates rebuilt\n`);
  });

  it('accepts the original project\'s files unchanged, with deterministic event ids', async () => {
    const run = await setupRun(2);
    await mkdir(run.env.CENTOS_PATHS_WATCH!, { recursive: true });
    const ids: string[] = [];
    for (const f of await readdir(FIXTURES)) {
      await copyFile(path.join(FIXTURES, f), path.join(run.env.CENTOS_PATHS_WATCH!, f));
      const parsed = parseEventFile(await readFile(path.join(FIXTURES, f), 'utf8'), f);
      assert.deepEqual(parsed.invalid, []);
      ids.push(...parsed.records.map((r) => r.event.eventId));
    }
    const r = await produce(run, ['--once']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await ls(run.env.CENTOS_PATHS_DONE!), (await readdir(FIXTURES)).sort());
    const events = await readStream(kinesis(), run.stream);
    assert.deepEqual(events.map((e) => e.event.eventId).sort(), ids.sort());
  });

  it('rejects unreadable files with the reason, dead-letters invalid records and sends the rest', async () => {
    // A file that ends mid-array is waited for (its writer may come back), then rejected.
    const run = await setupRun(1, stack.kinesisEndpoint, { CENTOS_PRODUCER_INCOMPLETE_WAIT_MS: '300' });
    const watch = run.env.CENTOS_PATHS_WATCH!;
    await mkdir(watch, { recursive: true });
    const good = (i: number) => ({ eventId: `e${i}`, userid: `u${i % 3}`, fullName: 'A B', gender: 'F', relationshipStatus: 'single', activityType: 'TopicViewed', activityMetadata: 'm', activityTimestamp: '2024-01-01T00:00:00Z', userSeq: i });
    await writeFile(path.join(watch, 'a-not-json.json'), 'hello, world\n');
    await writeFile(path.join(watch, 'b-truncated.json'), '[{"eventId": "x",');
    await writeFile(path.join(watch, 'c-mixed.jsonl'), [good(1), { ...good(2), gender: 'X' }, good(3)].map((e) => JSON.stringify(e)).join('\n') + '\n{not json\n');
    await writeFile(path.join(watch, '.hidden.json'), '[]');
    await writeFile(path.join(watch, 'd.json.partial'), '[');
    const r = await produce(run, ['--once']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await ls(run.env.CENTOS_PATHS_REJECTED!), ['a-not-json.json', 'a-not-json.json.error.txt', 'b-truncated.json', 'b-truncated.json.error.txt']);
    assert.match(await readFile(path.join(run.env.CENTOS_PATHS_REJECTED!, 'a-not-json.json.error.txt'), 'utf8'), /expected a JSON array of events or JSON Lines/);
    assert.match(await readFile(path.join(run.env.CENTOS_PATHS_REJECTED!, 'b-truncated.json.error.txt'), 'utf8'), /not valid JSON.*ends before the array does.*unchanged for 300 ms/);
    assert.deepEqual(await ls(run.env.CENTOS_PATHS_DONE!), ['c-mixed.jsonl']);
    assert.deepEqual(await ls(watch), ['.hidden.json', 'd.json.partial']);
    const [dlFile] = await ls(run.env.CENTOS_PATHS_DEAD_LETTERS!);
    const dead = (await readFile(path.join(run.env.CENTOS_PATHS_DEAD_LETTERS!, dlFile!), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(dead.map((d) => [path.basename(d.file), d.position]), [['c-mixed.jsonl', 1], ['c-mixed.jsonl', 3]]);
    assert.match(dead[0].reason, /gender/);
    assert.match(dead[1].reason, /not valid JSON/);
    assert.match(dead[0].raw, /"gender":"X"/);
    const events = await readStream(kinesis(), run.stream);
    assert.deepEqual(events.map((e) => e.event.eventId), ['e1', 'e3']);
  });

  it('--file and stdin send one-off files without moving them', async () => {
    const run = await setupRun(1);
    const f = path.join(stack.dir, `one-off-${n}.jsonl`);
    const e = { userid: 'solo', fullName: 'A B', gender: 'M', relationshipStatus: 'married', activityType: 'CommentAdded', ActivityMetadata: 'legacy', activityTimestamp: '2017-01-01 10:00:00' };
    await writeFile(f, JSON.stringify(e) + '\n');
    const r = await produce(run, ['--file', f]);
    assert.equal(r.code, 0, r.stderr);
    await readFile(f);
    const viaStdin = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'produce', '--file', '-'], { env: { PATH: process.env.PATH, ...run.env }, stdio: ['pipe', 'ignore', 'inherit'] });
      child.stdin.end(JSON.stringify({ ...e, userid: 'piped' }) + '\n');
      child.on('close', resolve);
    });
    assert.equal(viaStdin, 0);
    const events = await readStream(kinesis(), run.stream);
    assert.deepEqual(events.map((x) => [x.event.userid, x.event.activityMetadata, x.event.activityTimestamp]), [
      ['solo', 'legacy', '2017-01-01T10:00:00.000Z'],
      ['piped', 'legacy', '2017-01-01T10:00:00.000Z'],
    ]);
  });

  it('kill -9 mid-run, then restart: no event missing (duplicates allowed and counted)', async () => {
    const run = await setupRun(2, stack.kinesisEndpoint, { CENTOS_PRODUCER_SHARD_BYTES_PER_SEC: '150000', CENTOS_PRODUCER_AGGREGATION_MAX_BYTES: '16384' });
    const ids = await generate(run, 6, 1000, 200, 3);
    const child = spawn(process.execPath, [BIN, 'produce'], { env: { PATH: process.env.PATH, ...run.env }, stdio: 'ignore' });
    // Kill as soon as some files are done and some are not.
    for (;;) {
      const done = (await ls(run.env.CENTOS_PATHS_DONE!)).length;
      if (done >= 1) break;
      assert.equal(child.exitCode, null, 'producer exited early');
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    const left = await ls(run.env.CENTOS_PATHS_WATCH!);
    assert.ok(left.length > 0, 'killed with files left to send');
    const r = await runCentos(['produce', '--once'], { env: run.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await ls(run.env.CENTOS_PATHS_DONE!)).length, 6);
    const events = await readStream(kinesis(), run.stream);
    const got = new Set(events.map((e) => e.event.eventId));
    assert.deepEqual(ids.filter((id) => !got.has(id)), [], 'no event missing');
    const duplicates = events.length - got.size;
    process.stderr.write(`# kill -9 test: ${left.length} files resent, ${duplicates} duplicate events\n`);
    assert.deepEqual(orderViolations(events), []);
  });
});
