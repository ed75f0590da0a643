import { Command } from 'commander';
import type { CliIo } from '../context.ts';

/** `centos consumers [--prune] [--json]`: the stream's enhanced fan-out consumers; deregister ours that are no longer used. */
export function consumersCommand(io: CliIo): Command {
  return new Command('consumers')
    .summary("list the stream's enhanced fan-out consumers; --prune deregisters ours that read by polling")
    .description(
      "Lists the consumers registered on stream.name for enhanced fan-out (name, status, ARN), marking those of our applications (apps.archive, apps.dashboard) with their consumerMode. Each registered consumer is billed per shard-hour on AWS: --prune deregisters the consumers of our applications whose consumerMode is polling. Consumers of other software are never touched.",
    )
    .option('--prune', "deregister our applications' consumers that are no longer used (consumerMode polling)")
    .option('--json', 'print JSON')
    .action(async (opts: { prune?: boolean; json?: boolean }, cmd: Command) => {
      const { buildContext } = await import('../context.ts');
      const [{ createKinesisClient, kinesisEndpoint }, { sdkEfoPort }, { appModes, streamConsumers }, { pruneStreamConsumers }, { CentosError, ServiceError }] = await Promise.all([
        import('../../aws/awsClients.ts'),
        import('../../kinesis/efo/EfoPort.ts'),
        import('../../kinesis/efo/streamConsumers.ts'),
        import('../../kinesis/efo/pruneStreamConsumers.ts'),
        import('../../errors.ts'),
      ]);
      const ctx = buildContext(io, cmd.optsWithGlobals());
      const { config } = ctx.settings;
      // A one-shot command: the SDK's retry layer (backoff, 3 attempts); then one line names Kinesis and its endpoint.
      const client = createKinesisClient(config);
      const efo = sdkEfoPort(client, client, config.stream.name);
      const apps = appModes(config);
      try {
        const pruned = opts.prune ? await pruneStreamConsumers(efo, apps, ctx.log) : [];
        const rows = await streamConsumers(efo, apps);
        if (opts.json) {
          ctx.stdout.write(`${JSON.stringify({ stream: config.stream.name, consumers: rows, pruned }, null, 2)}\n`);
          return;
        }
        for (const name of pruned) ctx.stdout.write(`deregistered ${name}\n`);
        if (rows.length === 0) ctx.stdout.write(`no enhanced fan-out consumers on ${config.stream.name}\n`);
        for (const r of rows) ctx.stdout.write(`${r.name.padEnd(24)} ${r.status.padEnd(9)} ${r.role ? `${r.role} (consumerMode ${r.mode})` : 'not ours'}  ${r.arn}\n`);
      } catch (err) {
        // A KinesisError already names the call and the endpoint.
        throw err instanceof CentosError ? err : new ServiceError('Kinesis', kinesisEndpoint(config), err, false);
      } finally {
        client.destroy();
      }
    });
}
