/** A documented per-operation call quota: `perSec` calls per second, per account or per stream. */
export interface CallQuota {
  perSec: number;
  scope: 'account' | 'stream';
}

/**
 * The control-plane quotas of the Kinesis API reference (each operation's page, "This operation has
 * a limit of …"), answered with LimitExceededException when exceeded. Data-plane limits
 * (GetRecords, GetShardIterator, PutRecords) are per shard and answered with
 * ProvisionedThroughputExceededException; they live in the proxy's shard budgets.
 */
export const CONTROL_PLANE_QUOTAS: Readonly<Record<string, CallQuota>> = {
  ListShards: { perSec: 1000, scope: 'stream' },
  DescribeStreamSummary: { perSec: 20, scope: 'account' },
  DescribeStream: { perSec: 10, scope: 'account' },
  ListStreams: { perSec: 5, scope: 'account' },
  DescribeLimits: { perSec: 1, scope: 'account' },
  CreateStream: { perSec: 5, scope: 'account' },
  DeleteStream: { perSec: 5, scope: 'account' },
  SplitShard: { perSec: 5, scope: 'account' },
  MergeShards: { perSec: 5, scope: 'account' },
  RegisterStreamConsumer: { perSec: 5, scope: 'account' },
  DeregisterStreamConsumer: { perSec: 5, scope: 'stream' },
  DescribeStreamConsumer: { perSec: 20, scope: 'stream' },
  ListStreamConsumers: { perSec: 5, scope: 'stream' },
};

/** The bucket a call draws from: the operation, and the stream for per-stream quotas; undefined when unlimited. */
export function quotaKey(operation: string, stream: string | undefined): string | undefined {
  const q = CONTROL_PLANE_QUOTAS[operation];
  if (!q) return undefined;
  return q.scope === 'stream' ? `${operation}/${stream ?? ''}` : operation;
}
