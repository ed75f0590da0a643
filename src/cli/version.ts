import { createRequire } from 'node:module';

/** Set by the single-executable build (esbuild `define`): a bundle has no package.json beside it. */
declare const __CENTOS_VERSION__: string | undefined;

export const version: string =
  typeof __CENTOS_VERSION__ === 'string' ? __CENTOS_VERSION__ : (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
