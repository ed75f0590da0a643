import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The directory of centos's package.json (with bin/ and src/ beside it), found upwards from this
 * module, so the same answer comes from src/ run by tsx and from the bundle in dist/js. Not for
 * the single executable, which carries what it needs as assets.
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) || !existsSync(path.join(dir, 'bin', 'centos'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find centos's package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return (root = dir);
}
