import { loadConfig, type Settings } from '../config/loadConfig.ts';
import { createLogger, type Logger } from '../log/createLogger.ts';

export interface GlobalOptions {
  config?: string;
  logLevel?: string;
}

export interface CommandContext {
  settings: Settings;
  log: Logger;
  /** Aborted on SIGINT / SIGTERM. */
  signal: AbortSignal;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface CliIo {
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Parses configuration once per command: global options plus that command's flag overrides. */
export function buildContext(io: CliIo, global: GlobalOptions, flags: Record<string, unknown> = {}): CommandContext {
  const settings = loadConfig({
    ...(global.config ? { configPath: global.config } : {}),
    env: io.env,
    flags: { 'log.level': global.logLevel, ...flags },
  });
  const log = createLogger({ level: settings.config.log.level, pretty: Boolean(io.stderr.isTTY) });
  return { settings, log, signal: io.signal, stdout: io.stdout, stderr: io.stderr };
}
