// test tier: unit
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.ts';
import { wrapHelpText } from '../../src/cli/helpLayout.ts';

const io = { stdout: new PassThrough(), stderr: new PassThrough(), env: {}, cwd: process.cwd() } as unknown as Parameters<typeof buildProgram>[0];

function helpAt(cmd: Command, width: number): string {
  const help = cmd.createHelp();
  help.helpWidth = width;
  return help.formatHelp(cmd, help);
}

describe('wrapHelpText', () => {
  const cases: Array<{ name: string; text: string; width: number; want: string }> = [
    { name: 'a paragraph wraps at the width', text: 'one two three four five', width: 10, want: 'one two\nthree four\nfive' },
    { name: 'blank lines between paragraphs stay', text: 'one two\n\nthree', width: 40, want: 'one two\n\nthree' },
    { name: 'a list item keeps a hanging indent', text: '- alpha beta gamma delta', width: 13, want: '- alpha beta\n  gamma delta' },
    { name: 'a middle-dot item too', text: '· alpha beta gamma delta', width: 13, want: '· alpha beta\n  gamma delta' },
    { name: 'a term and its description hang under the description', text: '  archive    one two three four', width: 22, want: '  archive    one two\n             three four' },
    { name: 'a word longer than the width stands alone', text: 'a averyveryverylongword b', width: 10, want: 'a\naveryveryverylongword\nb' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(wrapHelpText(c.text, c.width), c.want));
});

describe('every command help', () => {
  const program = buildProgram(io);
  const commands = [program, ...program.commands];

  for (const width of [60, 80, 120]) {
    it(`fits ${width} columns (wrapped by the help layout, not by hand)`, () => {
      for (const cmd of commands) {
        for (const line of helpAt(cmd, width).split('\n')) {
          const longestWord = Math.max(...line.trim().split(/\s+/).map((w) => w.length));
          if (line.length > width) assert.ok(longestWord > width / 3, `centos ${cmd.name()} --help at ${width} columns: "${line}" is ${line.length} wide`);
        }
      }
    });
  }

  it('descriptions are written once: a line break only between paragraphs or list items', () => {
    for (const cmd of commands) {
      const lines = cmd.description().split('\n');
      lines.forEach((line, i) => {
        if (i === 0) return;
        const prev = lines[i - 1]!;
        const ok = line === '' || prev === '' || /^ *(?:[-·*] |\S+ {2,})/.test(line) || /^ {2}\S/.test(line);
        assert.ok(ok, `centos ${cmd.name()}: the description breaks a paragraph by hand before "${line.slice(0, 40)}…"`);
      });
    }
  });
});
