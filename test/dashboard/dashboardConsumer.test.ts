import assert from 'node:assert/strict';
import { MergeShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditDashboard } from '../../src/audit/auditDashboard.ts';
import { readInputEvents } from '../../src/audit/readInputEvents.ts';
import { LeaseStore } from '../../src/coordinator/LeaseStore.ts';
import type { ShardContext } from '../../src/coordinator/ShardProcessor.ts';
import { dashboardProcessor, type DashboardCounters } from '../../src/dashboard/dashboardProcessor.ts';
import type { UserEvent } from '../../src/events/eventSchema.ts';
import { parseEventFile } from '../../src/events/parseEventFile.ts';
import { writeGeneratedFiles } from '../../src/generate/writeGeneratedFiles.ts';
import { ensureStream } from '../../src/setup/ensureStream.ts';
import { readFile } from 'node:fs/promises';
import { counter, makeEnv, putEvents, startWorker, waitFor, type Env, envsFor } from '../helpers/consumerHarness.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => stack.close());

const newCounters = (): DashboardCounters => ({ batches: 0, applied: 0, duplicates: 0, outOfOrder: 0, deadLetters: 0 });
const dashboard = (c = newCounters()) => dashboardProcessor('test-app', c);

/** Generated input files (with verbatim duplicates) and the records in the order a producer sends them. */
async function generated(files: number, rows: number, seed: number) {
  const dir = await mkdtemp(path.join(tmpdir(), 'centos-dash-'));
  const r = await writeGeneratedFiles({ files, rows, users: 60, seed, duplicates: 0.1, startMs: Date.parse('2024-01-01T00:00:00Z'), intervalMs: 0, generatedDir: path.join(dir, 'gen'), watchDir: path.join(dir, 'done') });
  const sent: UserEvent[] = [];
  for (const f of r.files) sent.push(...parseEventFile(await readFile(f, 'utf8'), f).records.map((x) => x.event));
  return { dir: path.join(dir, 'done'), sent, files: r.files };
}

async function audit(env: Env, dir: string) {
  return auditDashboard(env.store, (await readInputEvents(dir)).events);
}

const clean = { missing: 0, duplicated: 0, orderViolations: 0, fieldMismatches: 0 };
const pick = (a: { missing: number; duplicated: number; orderViolations: number; fieldMismatches: number }) => ({ missing: a.missing, duplicated: a.duplicated, orderViolations: a.orderViolations, fieldMismatches: a.fieldMismatches });

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`dashboard consumer on ${dialect}`, () => {
    const env = envsFor(() => stack, dialect);

    it('stores each eventId once across duplicates and a re-sent file; audit is clean', async (t) => {
      const e = await env(2, t);
      if (!e) return;
      const g = await generated(5, 300, 11);
      // The producer crashed after sending the first file and sent it again.
      const firstFile = parseEventFile(await readFile(g.files[0]!, 'utf8'), g.files[0]!).records.map((x) => x.event);
      await putEvents(e, [...firstFile, ...g.sent]);
      const distinct = new Set(g.sent.map((x) => x.eventId)).size;
      const c = newCounters();
      const w = startWorker(e, dashboard(c));
      await waitFor('caught up', async () => (await counter(e, 'events_applied')) + (await counter(e, 'duplicates_dropped')) >= g.sent.length + firstFile.length);
      await w.stop();
      assert.deepEqual(pick(await audit(e, g.dir)), clean);
      assert.equal(await counter(e, 'events_applied'), distinct);
      assert.equal(await counter(e, 'duplicates_dropped'), g.sent.length + firstFile.length - distinct);
      assert.equal(await counter(e, 'out_of_order'), c.outOfOrder);
      const [u] = await e.store.query<{ n: number; total: number }>('SELECT COUNT(*) AS n, SUM(event_count) AS total FROM users');
      assert.equal(Number(u!.total), distinct, 'user event counts add up');
      // Each user's latest state is its highest userSeq: it never moved backwards.
      const latest = new Map<string, number>();
      for (const ev of g.sent) latest.set(ev.userid, Math.max(latest.get(ev.userid) ?? -1, ev.userSeq!));
      for (const row of await e.store.query<{ userid: string; last_user_seq: number }>('SELECT userid, last_user_seq FROM users')) assert.equal(Number(row.last_user_seq), latest.get(row.userid));
    });

    it('three workers with kills and restarts during the run stay exact', async (t) => {
      const e = await env(4, t);
      if (!e) return;
      const g = await generated(8, 250, 12);
      const workers = [startWorker(e, dashboard()), startWorker(e, dashboard()), startWorker(e, dashboard())];
      const third = Math.floor(g.sent.length / 3);
      await putEvents(e, g.sent.slice(0, third));
      await waitFor('some applied', async () => (await counter(e, 'events_applied')) > 100);
      workers[0]!.abandon();
      workers.push(startWorker(e, dashboard()));
      await putEvents(e, g.sent.slice(third, 2 * third));
      await waitFor('more applied', async () => (await counter(e, 'events_applied')) > third);
      workers[1]!.abandon();
      await workers[2]!.stop();
      workers.push(startWorker(e, dashboard()), startWorker(e, dashboard()));
      await putEvents(e, g.sent.slice(2 * third));
      const distinct = new Set(g.sent.map((x) => x.eventId)).size;
      await waitFor('all applied', async () => (await counter(e, 'events_applied')) >= distinct, 30_000);
      await Promise.all(workers.slice(3).map((w) => w.stop()));
      assert.deepEqual(pick(await audit(e, g.dir)), clean);
      assert.equal(await counter(e, 'events_applied'), distinct);
    });

    it('a zombie paused past its lease writes nothing when it resumes', async (t) => {
      const e = await env(1, t);
      if (!e) return;
      const g = await generated(1, 200, 13);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let paused = false;
      const inner = dashboard();
      const zombie = startWorker(e, (ctx: ShardContext) => {
        const p = inner(ctx);
        return {
          async processBatch(records, info) {
            if (!paused) {
              paused = true;
              await gate;
            }
            return p.processBatch(records, info);
          },
        };
      });
      await putEvents(e, g.sent);
      await waitFor('paused', () => paused);
      const leases = new LeaseStore(e.store);
      const [lease] = await leases.listLeases('test-app');
      await leases.claim('test-app', lease!.shardId, 'successor', lease!.epoch, 1, zombie.workerId);
      release();
      await waitFor('zombie dropped the shard', () => zombie.counters.leasesLost === 1);
      assert.equal(await counter(e, 'events_applied'), 0);
      assert.equal((await e.store.query('SELECT * FROM events')).length, 0);
      await zombie.stop();
      const next = startWorker(e, dashboard());
      await waitFor('applied', async () => (await counter(e, 'events_applied')) >= new Set(g.sent.map((x) => x.eventId)).size);
      await next.stop();
      assert.deepEqual(pick(await audit(e, g.dir)), clean);
    });

    it('split and merge during the run keep per-user order', async (t) => {
      const e = await env(2, t);
      if (!e) return;
      const g = await generated(6, 300, 14);
      const w = startWorker(e, dashboard());
      const third = Math.floor(g.sent.length / 3);
      await putEvents(e, g.sent.slice(0, third));
      const leases = new LeaseStore(e.store);
      await waitFor('leases', async () => (await leases.listLeases('test-app')).length === 2);
      const [s0, s1] = await leases.listLeases('test-app');
      await e.kinesis.send(new SplitShardCommand({ StreamName: e.stream, ShardToSplit: s0!.shardId, NewStartingHashKey: ((BigInt(s0!.hashStart) + BigInt(s0!.hashEnd)) / 2n).toString() }));
      await ensureStream(e.kinesis, { name: e.stream, shards: 2, retentionHours: 24, pollMs: 20 });
      await putEvents(e, g.sent.slice(third, 2 * third));
      await waitFor('children known', async () => (await leases.listLeases('test-app')).length === 4);
      const upper = (await leases.listLeases('test-app')).find((l) => l.parentIds.includes(s0!.shardId) && l.hashEnd === s0!.hashEnd)!;
      await e.kinesis.send(new MergeShardsCommand({ StreamName: e.stream, ShardToMerge: upper.shardId, AdjacentShardToMerge: s1!.shardId }));
      await ensureStream(e.kinesis, { name: e.stream, shards: 2, retentionHours: 24, pollMs: 20 });
      await putEvents(e, g.sent.slice(2 * third));
      const distinct = new Set(g.sent.map((x) => x.eventId)).size;
      await waitFor('all applied', async () => (await counter(e, 'events_applied')) >= distinct, 30_000);
      await w.stop();
      assert.deepEqual(pick(await audit(e, g.dir)), clean);
      assert.equal(await counter(e, 'out_of_order'), 0, 'no event was applied after a newer one of its user');
    });

    it('malicious and malformed payloads become dead letters and the pipeline continues', async (t) => {
      const e = await env(1, t);
      if (!e) return;
      const g = await generated(1, 100, 15);
      const bad = [
        { pk: 'x', data: Buffer.from([0xc3, 0x28, 0xa0, 0xa1]) },
        { pk: 'x', data: Buffer.from('{"eventId": "1"; DROP TABLE events; --') },
        { pk: 'x', data: Buffer.from(JSON.stringify({ ...g.sent[0], eventId: 'huge', fullName: 'x'.repeat(300_000) })) },
        { pk: 'x', data: Buffer.from(JSON.stringify({ ...g.sent[0], eventId: 'types', userSeq: { $gt: 1 } })) },
        { pk: 'x', data: Buffer.alloc(0) },
      ];
      await putEvents(e, g.sent.slice(0, 50), bad);
      await putEvents(e, g.sent.slice(50));
      const w = startWorker(e, dashboard());
      const distinct = new Set(g.sent.map((x) => x.eventId)).size;
      await waitFor('applied', async () => (await counter(e, 'events_applied')) >= distinct);
      await w.stop();
      const dl = await e.store.query<{ reason: string; payload: string; payload_encoding: string; seq: string }>('SELECT reason, payload, payload_encoding, seq FROM dead_letters ORDER BY id');
      assert.equal(dl.length, bad.length);
      assert.equal(await counter(e, 'dead_letters'), bad.length);
      assert.match(dl[0]!.reason, /UTF-8/);
      assert.equal(dl[0]!.payload_encoding, 'base64');
      assert.match(dl[1]!.reason, /JSON/);
      assert.ok(dl[2]!.payload.length <= 4100, 'payload clipped');
      assert.match(dl[3]!.reason, /userSeq/);
      assert.ok(dl.every((d) => d.seq.length > 0));
      assert.deepEqual(pick(await audit(e, g.dir)), clean);
    });
  });
}
