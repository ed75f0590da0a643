import { CreateStreamCommand, DescribeStreamSummaryCommand, IncreaseStreamRetentionPeriodCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { setTimeout as delay } from 'node:timers/promises';
import { awsErrorName } from '../aws/awsErrors.ts';
import { CentosError } from '../errors.ts';

export interface EnsureStreamResult {
  created: boolean;
  status: string;
  openShards: number;
  retentionHours: number;
  arn?: string;
}

async function describe(kinesis: KinesisClient, name: string) {
  try {
    return (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
  } catch (err) {
    if (awsErrorName(err) === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

/** Creates the stream if it does not exist and waits until it is ACTIVE. Never changes an existing stream's shards. */
export async function ensureStream(
  kinesis: KinesisClient,
  o: { name: string; shards: number; retentionHours: number; timeoutMs?: number; pollMs?: number },
): Promise<EnsureStreamResult> {
  let summary = await describe(kinesis, o.name);
  let created = false;
  if (!summary) {
    try {
      await kinesis.send(new CreateStreamCommand({ StreamName: o.name, ShardCount: o.shards }));
      created = true;
    } catch (err) {
      if (awsErrorName(err) !== 'ResourceInUseException') throw err;
    }
  }
  const deadline = Date.now() + (o.timeoutMs ?? 300_000);
  for (;;) {
    summary = await describe(kinesis, o.name);
    if (summary?.StreamStatus === 'ACTIVE') break;
    if (Date.now() > deadline) throw new CentosError(`stream ${o.name} did not become ACTIVE (status ${summary?.StreamStatus ?? 'missing'})`);
    await delay(o.pollMs ?? 200);
  }
  let retentionHours = summary.RetentionPeriodHours ?? 24;
  if (retentionHours < o.retentionHours) {
    await kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: o.name, RetentionPeriodHours: o.retentionHours }));
    retentionHours = o.retentionHours;
  }
  return {
    created,
    status: summary.StreamStatus ?? 'UNKNOWN',
    openShards: summary.OpenShardCount ?? 0,
    retentionHours,
    ...(summary.StreamARN ? { arn: summary.StreamARN } : {}),
  };
}
