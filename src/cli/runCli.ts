import { main } from './main.ts';

/** The process edge: signals in, exit code out. */
export async function runCli(): Promise<number> {
  // The pinned SDK warns on every start that future releases need Node 22; this build is tested on 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      process.stderr.write(`\ncentos: ${sig} received, shutting down (again to force)\n`);
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code = await main(process.argv.slice(2), { signal: controller.signal, env: process.env, stdout: process.stdout, stderr: process.stderr });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return code;
}
