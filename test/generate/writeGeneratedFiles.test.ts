// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseEventFile } from '../../src/events/parseEventFile.ts';
import { EventGenerator } from '../../src/generate/EventGenerator.ts';
import { generatedFileName, writeGeneratedFiles, type GenerateOptions } from '../../src/generate/writeGeneratedFiles.ts';

async function run(over: Partial<GenerateOptions> = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'centos-gen-'));
  const o: GenerateOptions = {
    files: 3,
    rows: 200,
    users: 50,
    seed: 42,
    duplicates: 0,
    startMs: Date.parse('2024-01-01T00:00:00Z'),
    intervalMs: 0,
    generatedDir: path.join(dir, 'generated'),
    watchDir: path.join(dir, 'watch'),
    ...over,
  };
  const result = await writeGeneratedFiles(o);
  return { dir, o, result };
}

async function readAll(files: string[]) {
  return Promise.all(files.map(async (f) => ({ name: path.basename(f), text: await readFile(f, 'utf8') })));
}

describe('generate', () => {
  it('is byte-identical for the same seed and differs for another', async () => {
    const a = await readAll((await run()).result.files);
    const b = await readAll((await run()).result.files);
    const c = await readAll((await run({ seed: 43 })).result.files);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.map((f) => f.text), c.map((f) => f.text));
  });

  it('writes valid events: unique ids, users from the pool, userSeq counting each user up from 0', async () => {
    const { result } = await run({ files: 4, rows: 500, users: 40 });
    assert.equal(result.events, 2000);
    const seqs = new Map<string, number>();
    const ids = new Set<string>();
    for (const f of result.files) {
      const parsed = parseEventFile(await readFile(f, 'utf8'), f);
      assert.deepEqual(parsed.invalid, []);
      assert.equal(parsed.records.length, 500);
      for (const { event } of parsed.records) {
        assert.ok(!ids.has(event.eventId));
        ids.add(event.eventId);
        const expected = seqs.get(event.userid) ?? 0;
        assert.equal(event.userSeq, expected, `userSeq of ${event.userid}`);
        seqs.set(event.userid, expected + 1);
      }
    }
    assert.ok(seqs.size <= 40 && seqs.size >= 30, `users drawn from the pool (${seqs.size})`);
  });

  it('re-emits about the requested fraction of earlier events verbatim', async () => {
    const { result } = await run({ files: 2, rows: 5000, duplicates: 0.2 });
    const seen = new Map<string, string>();
    let dups = 0;
    for (const f of result.files) {
      for (const { event } of parseEventFile(await readFile(f, 'utf8'), f).records) {
        const json = JSON.stringify(event);
        const before = seen.get(event.eventId);
        if (before !== undefined) {
          dups++;
          assert.equal(json, before, 'a duplicate is the same event, byte for byte');
        } else seen.set(event.eventId, json);
      }
    }
    const share = dups / 10_000;
    assert.ok(share > 0.17 && share < 0.23, `duplicate share ${share}`);
  });

  it('escapes names with quotes, backslashes and non-ASCII characters correctly', async () => {
    const gen = new EventGenerator({ seed: 1, users: 2000, duplicates: 0, startMs: 0 });
    const names = new Set<string>();
    for (let i = 0; i < 20_000; i++) names.add(gen.next().fullName);
    assert.ok([...names].some((n) => /[^\x00-\x7f]/.test(n)), 'the pool includes non-ASCII names');
    const { result } = await run({ users: 2000, rows: 2000, files: 1 });
    const text = await readFile(result.files[0]!, 'utf8');
    const parsed = JSON.parse(text) as Array<{ fullName: string }>;
    assert.ok(parsed.some((e) => /[^\x00-\x7f]/.test(e.fullName)));
  });

  it('names files so they sort in the order they were written', () => {
    const names = [1, 2, 10, 100].map((i) => generatedFileName(Date.parse('2024-05-06T07:08:09.123Z'), 'abcd1234', i));
    assert.deepEqual([...names].sort(), names);
    assert.equal(names[0], 'events-20240506T070809Z-abcd1234-000001.json');
  });

  it('only ever shows complete files in the watch directory, and leaves nothing staged', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'centos-gen-'));
    const watchDir = path.join(dir, 'watch');
    await mkdir(watchDir, { recursive: true });
    const reads: Promise<void>[] = [];
    const seen = new Set<string>();
    const watcher = watch(watchDir, (_event, name) => {
      if (!name || seen.has(name)) return;
      seen.add(name);
      reads.push(
        readFile(path.join(watchDir, name), 'utf8').then((text) => {
          assert.equal(JSON.parse(text).length, 3000, `${name} was complete when it appeared`);
        }),
      );
    });
    try {
      const { result } = await run({ files: 5, rows: 3000, watchDir, generatedDir: path.join(dir, 'generated') });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(result.files.length, 5);
    } finally {
      watcher.close();
    }
    await Promise.all(reads);
    assert.ok(seen.size >= 5);
    assert.deepEqual(await readdir(path.join(dir, 'generated')), []);
  });

  it('stops between files when aborted', async () => {
    const controller = new AbortController();
    const { result } = await run({
      files: 100,
      rows: 10,
      intervalMs: 20,
      signal: controller.signal,
      onFile: ({ index }) => index === 2 && controller.abort(),
    });
    assert.equal(result.files.length, 2);
  });
});
