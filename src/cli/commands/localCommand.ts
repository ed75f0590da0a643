import { Command } from 'commander';
import path from 'node:path';
import type { CliIo } from '../context.ts';
import type { LimitProxy } from '../../local/startLimitProxy.ts';
import { fraction, port } from '../parseArgs.ts';

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
      'Start the embedded stack in this process: Kinesis (kinesalite) and S3 (s3rver), on 127.0.0.1 only, with data\n' +
        'under --data-dir surviving restarts. Creates nothing by itself (run `centos setup` for that); prints the\n' +
        'endpoints and the export lines that point any tool — the AWS CLI too — at them. Ctrl-C stops it cleanly.',
    )
    .option('--data-dir <dir>', 'where the data lives (config local.dataDir)')
    .option('--kinesis-port <port>', 'Kinesis port, 0 for any free one (config local.kinesisPort)', port)
    .option('--s3-port <port>', 'S3 port, 0 for any free one (config local.s3Port)', port)
    .option('--enforce-limits', 'put a proxy in front of Kinesis that enforces the AWS per-shard write limits (1 MB/s, 1000 records/s) and prints its endpoint as the Kinesis endpoint')
    .option('--limits-port <port>', 'port of that proxy, 0 for any free one', port, 4568)
    .option('--fail-records <fraction>', 'with --enforce-limits: fraction of PutRecords records the proxy fails with InternalFailure', fraction, 0)
    .action(async (opts: { dataDir?: string; kinesisPort?: number; s3Port?: number; enforceLimits?: boolean; limitsPort: number; failRecords: number }, cmd: Command) => {
      const { buildContext } = await import('../context.ts');
      const [{ startLimitProxy }, { startLocalStack }] = await Promise.all([import('../../local/startLimitProxy.ts'), import('../../local/startLocalStack.ts')]);
      const ctx = buildContext(io, cmd.optsWithGlobals(), {
        'local.dataDir': opts.dataDir,
        'local.kinesisPort': opts.kinesisPort,
        'local.s3Port': opts.s3Port,
      });
      const { local, region } = ctx.settings.config;
      const stack = await startLocalStack({ dataDir: local.dataDir, kinesisPort: local.kinesisPort, s3Port: local.s3Port });
      let proxy: LimitProxy | undefined;
      if (opts.enforceLimits) {
        proxy = await startLimitProxy({ upstream: stack.kinesisEndpoint, port: opts.limitsPort, faults: { failRecordFraction: opts.failRecords } });
        ctx.log.info({ proxy: proxy.endpoint, kinesalite: stack.kinesisEndpoint }, 'per-shard write limits enforced');
      }
      const kinesisEndpoint = proxy?.endpoint ?? stack.kinesisEndpoint;
      ctx.log.info({ kinesis: kinesisEndpoint, s3: stack.s3Endpoint, dataDir: path.resolve(local.dataDir) }, 'embedded stack running');
      ctx.stdout.write(
        [
          `Kinesis  ${kinesisEndpoint}${proxy ? ` (AWS per-shard limits enforced; kinesalite itself at ${stack.kinesisEndpoint})` : ''}`,
          `S3       ${stack.s3Endpoint}`,
          `data     ${path.resolve(local.dataDir)}`,
          '',
          '# paste into a shell to point centos and the AWS CLI here:',
          ...localEnvLines(kinesisEndpoint, stack.s3Endpoint, region ?? 'us-east-1'),
          '',
          'Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
      if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      ctx.log.info('stopping embedded stack');
      await proxy?.close();
      await stack.close();
    });
}
