import { Help, type Command } from 'commander';

/**
 * Help texts are written once, as paragraphs and list items without line breaks of their own, and
 * wrapped here to the terminal's width. A list item ("- text", "· text") or a term with its
 * description ("  name    text") keeps a hanging indent when it wraps, which commander's own
 * wrapping loses.
 */
export function wrapHelpText(text: string, width: number): string {
  return text
    .split(/\r?\n/)
    .map((line) => {
      const hang = /^ *(?:[-·*] +|\S+ {2,})?/.exec(line)![0].length;
      return wrapLine(line.slice(hang), Math.max(10, width - hang)).map((part, i) => (i === 0 ? line.slice(0, hang) : ' '.repeat(hang)) + part).join('\n');
    })
    .join('\n');
}

function wrapLine(text: string, width: number): string[] {
  const words = text.split(/ +/).filter((w) => w !== '');
  if (words.length === 0) return [''];
  const lines: string[] = [];
  let current = words[0]!;
  for (const word of words.slice(1)) {
    if (current.length + 1 + word.length <= width) current += ' ' + word;
    else {
      lines.push(current);
      current = word;
    }
  }
  lines.push(current);
  return lines;
}

/** The help layout every centos command uses: paragraphs and list items wrapped by {@link wrapHelpText}. */
export function useHelpLayout(cmd: Command): void {
  cmd.configureHelp({
    boxWrap: (str: string, width: number) => wrapHelpText(str, width),
    // Nothing is pre-formatted: option descriptions are wrapped like the rest, also beside a wide term column.
    preformatted: () => false,
    minWidthToWrap: 20,
  } as Partial<Help>);
}
