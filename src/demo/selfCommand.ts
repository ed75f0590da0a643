import { isSea } from 'node:sea';

/** How to start this same centos binary as a child process: the SEA executable, or node + bin/centos. */
export function selfCommand(): { command: string; args: string[] } {
  return isSea() ? { command: process.execPath, args: [] } : { command: process.execPath, args: [process.argv[1]!] };
}
