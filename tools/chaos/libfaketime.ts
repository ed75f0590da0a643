import { existsSync } from 'node:fs';

/** Where Debian's `faketime` package puts the preload library (undefined when it is not installed). */
export function libfaketimePath(): string | undefined {
  return ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'].find((f) => existsSync(f));
}

/** Environment that runs a process's clocks `offset` away from the real time (e.g. `+30s`). */
export function skewedClockEnv(offset: string): NodeJS.ProcessEnv {
  const lib = libfaketimePath();
  if (!lib) throw new Error('a skewed clock needs libfaketime (apt-get install -y faketime)');
  return { LD_PRELOAD: lib, FAKETIME: offset };
}
