// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isIgnoredInputName, orderInputFiles } from '../../src/produce/orderInputFiles.ts';

describe('input file order', () => {
  it('sorts by name then mtime and skips hidden and partial files', () => {
    const files = [
      { name: 'b.json', mtimeMs: 1 },
      { name: '.a.json.partial', mtimeMs: 0 },
      { name: 'a.json', mtimeMs: 5 },
      { name: 'c.json.partial', mtimeMs: 0 },
      { name: '.hidden', mtimeMs: 0 },
      { name: 'a.jsonl', mtimeMs: 0 },
    ];
    assert.deepEqual(orderInputFiles(files).map((f) => f.name), ['a.json', 'a.jsonl', 'b.json']);
  });

  const names: Array<[string, boolean]> = [
    ['events.json', false],
    ['events.jsonl', false],
    ['events.json.tmp', true],
    ['events.json.TMP', true],
    ['events.json.part', true],
    ['events.json.partial', true],
    ['events.json.crdownload', true],
    ['events.json.filepart', true],
    ['events.json~', true],
    ['.events.json.Xy12ab', true],
    ['part.json', false],
    ['tmp.json', false],
  ];
  for (const [name, ignored] of names) it(`${ignored ? 'skips' : 'reads'} ${name}`, () => assert.equal(isIgnoredInputName(name), ignored));
});
