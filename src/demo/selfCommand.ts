import { createRequire } from 'node:module';

/** How to start this same centos binary as a child process: the SEA executable, or node + bin/centos. */
export function selfCommand(): { command: string; args: string[] } {
  let sea = false;
  try {
    sea = (createRequire(import.meta.url)('node:sea') as { isSea(): boolean }).isSea();
  } catch {
    sea = false;
  }
  return sea ? { command: process.execPath, args: [] } : { command: process.execPath, args: [process.argv[1]!] };
}
