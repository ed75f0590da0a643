import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../packageRoot.ts';

/** Set by the single-executable build (esbuild `define`): a bundle has no package.json beside it. */
declare const __CENTOS_VERSION__: string | undefined;

export const version: string =
  typeof __CENTOS_VERSION__ === 'string' ? __CENTOS_VERSION__ : (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
