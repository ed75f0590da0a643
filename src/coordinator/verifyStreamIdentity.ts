import { CentosError, describeCause } from '../errors.ts';
import type { KinesisReadPort, StreamIdentity } from '../kinesis/KinesisReadPort.ts';
import type { Logger } from '../log/createLogger.ts';
import type { Store } from '../store/Store.ts';
import { insertIgnore } from '../store/sql.ts';
import { isMissingTable } from '../store/StoreError.ts';
import { policies, retry } from '../util/retry.ts';

/** The stream was deleted and re-created since this application's leases were made. */
export class StreamRecreatedError extends CentosError {
  constructor(
    readonly app: string,
    readonly recorded: StreamIdentity,
    readonly current: StreamIdentity,
  ) {
    super(
      `the stream ${current.arn} was re-created (created ${new Date(current.createdMs).toISOString()}); the leases and checkpoints of ${app} were made for ` +
        `the stream created ${new Date(recorded.createdMs).toISOString()}${recorded.arn !== current.arn ? ` (${recorded.arn})` : ''} and point into records that no longer exist. ` +
        `To start ${app} over on the new stream, stop its workers and run: centos reset-leases --app ${app} --yes`,
    );
  }
}

interface Row {
  stream_arn: string;
  created_ms: number | string;
}

const sameStream = (a: StreamIdentity, b: StreamIdentity) => a.arn === b.arn && a.createdMs === b.createdMs;

/**
 * Records which stream an application's leases belong to the first time it starts, and refuses
 * to start on a stream re-created under the same name since (old checkpoints would be read as
 * positions in the new stream). Unreachable Kinesis is retried until `signal` aborts.
 */
export async function verifyStreamIdentity(o: { store: Store; kinesis: KinesisReadPort; app: string; now: () => number; signal: AbortSignal; log: Logger }): Promise<void> {
  const current = await retry(() => o.kinesis.describeStream(), {
    ...policies.kinesisControl,
    signal: o.signal,
    onRetry: (err, attempt, waitMs) => o.log[attempt >= 3 ? 'warn' : 'info']({ err: describeCause(err), attempt, waitMs }, 'describing the stream failed; retrying'),
  });
  const read = async () => (await o.store.query<Row>('SELECT stream_arn, created_ms FROM stream_identity WHERE app = ?', [o.app]))[0];
  // A database that is down or restarting while the worker starts is waited for, as every other DB call is.
  const row = await retry(
    async () => {
      const found = await read();
      if (found) return found;
      const name = current.arn.slice(current.arn.lastIndexOf('/') + 1);
      await o.store.execute(`${insertIgnore(o.store.dialect)} INTO stream_identity (app, stream_name, stream_arn, created_ms, recorded_at) VALUES (?, ?, ?, ?, ?)`, [o.app, name, current.arn, current.createdMs, o.now()]);
      return (await read())!;
    },
    {
      ...policies.storeRead,
      signal: o.signal,
      onRetry: (err, attempt, waitMs) => o.log[attempt >= 3 ? 'warn' : 'info']({ err: describeCause(err), attempt, waitMs }, 'reading the stream identity failed; retrying'),
    },
  ).catch((err: unknown) => {
    if (isMissingTable(err)) throw new CentosError(`database ${o.store.description} lacks the stream_identity table (a newer schema); run \`centos setup\` first`);
    throw err;
  });
  const recorded = { arn: row.stream_arn, createdMs: Number(row.created_ms) };
  if (!sameStream(recorded, current)) throw new StreamRecreatedError(o.app, recorded, current);
}
