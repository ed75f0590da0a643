import { pino, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** Paths pino blanks out wherever they appear in a log line. */
export const redactPaths = [
  'password',
  '*.password',
  'secretAccessKey',
  '*.secretAccessKey',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'credentials',
  '*.credentials',
];

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Human-readable output; defaults to whether stderr is a terminal. */
  pretty?: boolean;
  destination?: NodeJS.WritableStream;
}

/** JSON lines to stderr (or pretty text on a terminal), secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  const usePretty = options.pretty ?? Boolean(process.stderr.isTTY);
  const opts = { level: options.level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { pid: process.pid } };
  if (usePretty) {
    return pino(opts, pretty({ destination: 2, colorize: true, sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' }));
  }
  return pino(opts, (options.destination as pino.DestinationStream | undefined) ?? pino.destination({ fd: 2, sync: true }));
}

/** A URL with its password replaced, safe to log. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = 'redacted';
    return u.toString();
  } catch {
    return url.replace(/:\/\/([^:@/]+):[^@/]+@/, '://$1:redacted@');
  }
}
