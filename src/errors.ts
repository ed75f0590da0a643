/**
 * Typed errors. Each carries whether retrying can help, and the exit code the CLI edge uses.
 */
export class CentosError extends Error {
  readonly retriable: boolean;
  readonly exitCode: number;
  constructor(message: string, opts: { retriable?: boolean; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.retriable = opts.retriable ?? false;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** Invalid configuration or command-line input: exit code 2, one line per problem. */
export class UsageError extends CentosError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'), { exitCode: 2 });
    this.problems = problems;
  }
}

/** A service (Kinesis, S3, the DB) could not be reached or refused the call. */
export class ServiceError extends CentosError {
  readonly service: string;
  readonly endpoint: string;
  constructor(service: string, endpoint: string, cause: unknown, retriable = true) {
    super(`${service} at ${endpoint}: ${describeCause(cause)}`, { retriable, cause });
    this.service = service;
    this.endpoint = endpoint;
  }
}

/** A file operation on one of the configured directories failed; the message names the path and the config key. */
export class FileIoError extends CentosError {
  constructor(
    readonly key: string,
    readonly filePath: string,
    action: string,
    cause: unknown,
  ) {
    super(`cannot ${action} ${filePath} (${key}): ${describeCause(cause)}`, { cause, retriable: true });
  }
}

export function describeCause(cause: unknown): string {
  if (cause instanceof AggregateError && cause.errors.length > 0) return describeCause(cause.errors[0]);
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    // Our typed errors' messages already say what failed; their class name adds nothing.
    const name = cause.name && cause.name !== 'Error' && !(cause instanceof CentosError) ? cause.name : undefined;
    const head = [typeof code === 'string' ? code : undefined, name].filter(Boolean).join(' ');
    const msg = cause.message || head || 'unknown error';
    return head && !msg.includes(head) ? `${head}: ${msg}` : msg;
  }
  return String(cause);
}
