import { Command } from 'commander';
import path from 'node:path';
import type { CliIo } from '../context.ts';
import { fraction, nonNegativeInt, port, positiveInt } from '../parseArgs.ts';

export function localEnvLines(kinesisEndpoint: string, s3Endpoint: string, region: string): string[] {
  return [
    `export AWS_ENDPOINT_URL_KINESIS=${kinesisEndpoint}`,
    `export AWS_ENDPOINT_URL_S3=${s3Endpoint}`,
    `export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=${region} AWS_DEFAULT_REGION=${region} AWS_EC2_METADATA_DISABLED=true`,
  ];
}

export function localCommand(io: CliIo): Command {
  return new Command('local')
    .summary('run the embedded Kinesis and S3 on loopback until Ctrl-C')
    .description(
      [
        "Start the embedded stack in this process: Kinesis (kinesalite) and S3 (s3rver), on 127.0.0.1 only, with data under --data-dir surviving restarts. Creates nothing by itself (run `centos setup` for that); prints the endpoints and the export lines that point any tool — the AWS CLI too — at them. Ctrl-C stops it cleanly.",
        "kinesalite is far more forgiving than AWS. --faithful puts a loopback proxy in front of it (its endpoint is the one printed) that behaves as AWS documents:\n· PutRecords: 1 MB/s and 1000 records/s per shard (per-record ProvisionedThroughputExceededException)\n· GetRecords: 5 calls/s and 2 MiB/s per shard, shared by every caller; a large answer throttles the following seconds (ProvisionedThroughputExceededException, HTTP 400); answers cut at 10 MiB\n· GetShardIterator: 5 calls/s per shard; ListShards 1000/s per stream, DescribeStreamSummary 20/s, DescribeStream 10/s, ListStreams/CreateStream/DeleteStream/SplitShard/MergeShards 5/s (LimitExceededException)\n· iterators expire after --iterator-ttl-ms (ExpiredIteratorException)\n· closed shards expire --shard-retention-ms after they closed: gone from ListShards, ResourceNotFoundException\n· with --on-demand-ms, the stream splits its hottest shard or merges cold neighbours on its own",
        "The README section \"Faithful local mode\" lists what it enforces and what it does not. Live counters: GET <proxy>/_centos/stats. --enforce-limits is the write limits alone (the proxy before the faithful mode).",
      ].join('\n\n'),
    )
    .option('--data-dir <dir>', 'where the data lives (config local.dataDir)')
    .option('--kinesis-port <port>', 'kinesalite port, 0 for any free one (config local.kinesisPort)', port)
    .option('--s3-port <port>', 'S3 port, 0 for any free one (config local.s3Port)', port)
    .option('--faithful', 'put the faithful proxy in front of Kinesis and print its endpoint as the Kinesis endpoint (config local.faithful)')
    .option('--enforce-limits', 'only the AWS per-shard write limits (1 MB/s, 1000 records/s) in the proxy, nothing else')
    .option('--limits-port <port>', 'port of the proxy, 0 for any free one (config local.limitsPort, default 4568)', port)
    .option('--iterator-ttl-ms <ms>', 'faithful: shard iterators expire after this (config local.iteratorTtlMs; AWS and default 300000)', positiveInt)
    .option('--shard-retention-ms <ms>', "faithful: closed shards expire this long after closing (config local.shardRetentionMs; default the stream's retention)", positiveInt)
    .option('--on-demand-ms <ms>', 'faithful: reshard on its own every this many ms, as an on-demand stream (config local.onDemandIntervalMs; 0 = off)', nonNegativeInt)
    .option('--fail-records <fraction>', 'with the proxy: fraction of PutRecords records it fails with InternalFailure', fraction, 0)
    .action(
      async (
        opts: { dataDir?: string; kinesisPort?: number; s3Port?: number; faithful?: boolean; enforceLimits?: boolean; limitsPort?: number; iteratorTtlMs?: number; shardRetentionMs?: number; onDemandMs?: number; failRecords: number },
        cmd: Command,
      ) => {
        const { buildContext } = await import('../context.ts');
        const [{ startLocalStack }, { faithfulOptions }] = await Promise.all([import('../../local/startLocalStack.ts'), import('../../local/faithfulOptions.ts')]);
        const ctx = buildContext(io, cmd.optsWithGlobals(), {
          'local.dataDir': opts.dataDir,
          'local.kinesisPort': opts.kinesisPort,
          'local.s3Port': opts.s3Port,
          'local.faithful': opts.faithful,
          'local.limitsPort': opts.limitsPort,
          'local.iteratorTtlMs': opts.iteratorTtlMs,
          'local.shardRetentionMs': opts.shardRetentionMs,
          'local.onDemandIntervalMs': opts.onDemandMs,
        });
        const { local, region } = ctx.settings.config;
        const withProxy = local.faithful || opts.enforceLimits;
        const stack = await startLocalStack({
          dataDir: local.dataDir,
          kinesisPort: local.kinesisPort,
          s3Port: local.s3Port,
          ...(withProxy ? { limits: { port: local.limitsPort, faults: { failRecordFraction: opts.failRecords }, log: ctx.log, ...(local.faithful ? { faithful: faithfulOptions(local) } : {}) } } : {}),
        });
        const what = local.faithful ? 'faithful: AWS limits, quotas, iterator and shard expiry' + (local.onDemandIntervalMs ? ', on-demand resharding' : '') : 'AWS per-shard write limits enforced';
        if (stack.proxy) ctx.log.info({ proxy: stack.proxy.endpoint, kinesalite: stack.kinesaliteEndpoint, faithful: local.faithful }, what);
        ctx.log.info({ kinesis: stack.kinesisEndpoint, s3: stack.s3Endpoint, dataDir: path.resolve(local.dataDir) }, 'embedded stack running');
        ctx.stdout.write(
          [
            `Kinesis  ${stack.kinesisEndpoint}${stack.proxy ? ` (${what}; kinesalite itself at ${stack.kinesaliteEndpoint}; counters at ${stack.kinesisEndpoint}/_centos/stats)` : ''}`,
            `S3       ${stack.s3Endpoint}`,
            `data     ${path.resolve(local.dataDir)}`,
            '',
            '# paste into a shell to point centos and the AWS CLI here:',
            ...localEnvLines(stack.kinesisEndpoint, stack.s3Endpoint, region ?? 'us-east-1'),
            '',
            'Ctrl-C to stop.',
            '',
          ].join('\n'),
        );
        if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
        ctx.log.info('stopping embedded stack');
        await stack.close();
      },
    );
}
