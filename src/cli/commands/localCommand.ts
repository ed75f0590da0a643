import { Command } from 'commander';
import path from 'node:path';
import { startLocalStack } from '../../local/startLocalStack.ts';
import { buildContext, type CliIo } from '../context.ts';
import { port } from '../parseArgs.ts';

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
    .action(async (opts: { dataDir?: string; kinesisPort?: number; s3Port?: number }, cmd: Command) => {
      const ctx = buildContext(io, cmd.optsWithGlobals(), {
        'local.dataDir': opts.dataDir,
        'local.kinesisPort': opts.kinesisPort,
        'local.s3Port': opts.s3Port,
      });
      const { local, region } = ctx.settings.config;
      const stack = await startLocalStack({ dataDir: local.dataDir, kinesisPort: local.kinesisPort, s3Port: local.s3Port });
      ctx.log.info({ kinesis: stack.kinesisEndpoint, s3: stack.s3Endpoint, dataDir: path.resolve(local.dataDir) }, 'embedded stack running');
      ctx.stdout.write(
        [
          `Kinesis  ${stack.kinesisEndpoint}`,
          `S3       ${stack.s3Endpoint}`,
          `data     ${path.resolve(local.dataDir)}`,
          '',
          '# paste into a shell to point centos and the AWS CLI here:',
          ...localEnvLines(stack.kinesisEndpoint, stack.s3Endpoint, region),
          '',
          'Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
      if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      ctx.log.info('stopping embedded stack');
      await stack.close();
    });
}
