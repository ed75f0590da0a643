// The single executable's entry point (bundled by scripts/build-binary.ts). Only bin/ sets the exit code.
import { homedir } from 'node:os';
import { runCli } from '../src/cli/runCli.ts';
import { version } from '../src/cli/version.ts';
import { configureEmbeddedAddons } from '../src/sea/embeddedAddon.ts';

configureEmbeddedAddons({ xdgCacheHome: process.env.XDG_CACHE_HOME, homeDir: homedir(), version });
void runCli().then((code) => {
  process.exitCode = code;
});
