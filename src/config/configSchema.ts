import { z } from 'zod';
import { mysqlUrlProblem } from '../store/parseMysqlUrl.ts';

const port = z.number().int().min(0).max(65535);
const endpoint = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/**
 * The one configuration schema. Every key has a default and a description; the description
 * is the documentation (config.example.json and the README table are generated from it).
 */
export const configSchema = z.strictObject({
  region: z
    .string()
    .min(1)
    .optional()
    .describe("AWS region (also AWS_REGION / AWS_DEFAULT_REGION); unset: the SDK's own lookup (the profile's region in ~/.aws/config, instance metadata) — `centos setup` prints the region and account it acts on. Local endpoints default to us-east-1"),
  stream: z
    .strictObject({
      name: z.string().regex(/^[a-zA-Z0-9_.-]{1,128}$/, 'expected 1-128 characters of a-z A-Z 0-9 _ . -').default('centos-events').describe('Kinesis stream name'),
      shards: z.number().int().min(1).max(10_000).default(2).describe('shard count `setup` creates the stream with'),
      retentionHours: z.number().int().min(24).max(8760).default(24).describe('stream retention; also the de-duplication horizon of the dashboard'),
      initialPosition: z.enum(['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP']).default('TRIM_HORIZON').describe('where a consumer starts on a shard it has no checkpoint for (children of a reshard always start at TRIM_HORIZON)'),
      initialTimestamp: z.iso.datetime({ offset: true, error: 'expected an ISO-8601 time' }).optional().describe('the time AT_TIMESTAMP starts from'),
    })
    .refine((s) => s.initialPosition !== 'AT_TIMESTAMP' || s.initialTimestamp !== undefined, {
      message: 'AT_TIMESTAMP needs stream.initialTimestamp (a fixed time, so every worker and restart starts from the same place)',
      path: ['initialTimestamp'],
    })
    .prefault({}),
  s3: z
    .strictObject({
      bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected a valid S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)').default('centos-archive').describe('S3 bucket of the archive'),
      prefix: z.string().regex(/^[^/].*[^/]$|^$/, 'must not start or end with "/"').default('archive').describe('key prefix of archived objects'),
    })
    .prefault({}),
  db: z
    .strictObject({
      url: z
        .string()
        .regex(/^(mysql:\/\/.+|sqlite:.+)$/, 'expected mysql://user@host:3306/db or sqlite:path/to/file.db')
        .default('sqlite:.centos/centos.db')
        .superRefine((url, ctx) => {
          const problem = url.startsWith('mysql://') ? mysqlUrlProblem(url) : undefined;
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        })
        .describe('dashboard and coordinator database; the password comes from CENTOS_DB_PASSWORD or the URL, never this file. TLS: ?ssl=Amazon%20RDS (RDS/Aurora), ?ssl-ca=/path/ca.pem, ?ssl=true (Node\'s authorities); &ssl-mode=verify-identity (default) or verify-ca'),
      queryTimeoutMs: z.number().int().min(100).default(30_000).describe('a statement without a reply after this long fails (retriable) and its connection is destroyed (setup and audit allow an hour)'),
      lockWaitTimeoutSeconds: z.number().int().min(1).max(3600).default(5).describe('InnoDB row-lock wait of commits before they fail and retry (lease statements wait 1 s)'),
      idleSessionTimeoutSeconds: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe("MySQL wait_timeout of centos's sessions: the server rolls back a silent session's transaction after this long, freeing a stuck worker's lease row (default: (coordinator.leaseDurationMs − renewIntervalMs) in seconds)"),
      keepAliveMs: z.number().int().min(1_000).default(30_000).describe('TCP keep-alive: a silent connection is probed after this long'),
      connectTimeoutMs: z.number().int().min(100).default(5_000).describe('how long connecting to the database may take'),
    })
    .prefault({}),
  aws: z
    .strictObject({
      kinesisEndpoint: endpoint.optional().describe('Kinesis endpoint override (also AWS_ENDPOINT_URL_KINESIS / AWS_ENDPOINT_URL)'),
      s3Endpoint: endpoint.optional().describe('S3 endpoint override (also AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)'),
    })
    .prefault({}),
  paths: z
    .strictObject({
      generated: z.string().min(1).default('.centos/generated').describe('where `generate` writes files before renaming them into paths.watch'),
      watch: z.string().min(1).default('.centos/watch').describe('directory the producer watches'),
      done: z.string().min(1).default('.centos/done').describe('files whose every record Kinesis acknowledged'),
      rejected: z.string().min(1).default('.centos/rejected').describe('unreadable input files, each with a .error.txt saying why'),
      deadLetters: z.string().min(1).default('.centos/dead-letters').describe('JSON Lines of invalid records with file, position and reason'),
    })
    .prefault({}),
  server: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1').describe('address `serve` binds'),
      port: port.default(8080).describe('port `serve` binds'),
      pushIntervalMs: z.number().int().min(100).max(10_000).default(1_000).describe('how often `serve` pushes a fresh snapshot to open pages (Server-Sent Events)'),
      staleAfterMs: z.number().int().min(1_000).default(30_000).describe('/healthz reports the scheduler stale when its roll-ups are older than this'),
      maxClients: z.number().int().min(1).max(10_000).default(200).describe('most live-update (SSE) connections `serve` holds open at once; more get 503'),
    })
    .prefault({}),
  local: z
    .strictObject({
      dataDir: z.string().min(1).default('.centos/local').describe('where `local` keeps the embedded Kinesis and S3 data'),
      kinesisPort: port.default(4567).describe('loopback port of the embedded Kinesis'),
      s3Port: port.default(4569).describe('loopback port of the embedded S3'),
      faithful: z.boolean().default(false).describe('`local` puts the faithful proxy in front of Kinesis: AWS per-shard read and write limits, GetShardIterator and control-plane quotas, expiring iterators and shards (README: Faithful local mode)'),
      limitsPort: port.default(4568).describe('loopback port of that proxy (also of the write-limits-only proxy, `local --enforce-limits`); it is the Kinesis endpoint `local` prints'),
      iteratorTtlMs: z.number().int().min(1_000).max(300_000).default(300_000).describe('faithful mode: shard iterators expire this long after they were issued (AWS: 5 minutes; shorter for tests)'),
      shardRetentionMs: z.number().int().min(1_000).optional().describe("faithful mode: closed shards expire this long after they closed (default: the stream's retention period; shorter for tests)"),
      onDemandIntervalMs: z.number().int().min(0).default(0).describe('faithful mode: every this many ms split the hottest shard or merge cold neighbours, as an on-demand stream does (0 = off)'),
    })
    .prefault({}),
  apps: z
    .strictObject({
      archive: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 characters of A-Z a-z 0-9 _ . -').default('CentosArchiver').describe('application name of the S3 archive consumer (its leases and checkpoints)'),
      dashboard: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 characters of A-Z a-z 0-9 _ . -').default('CentosDashboard').describe('application name of the dashboard consumer'),
    })
    .prefault({}),
  consumerMode: z
    .strictObject({
      archive: z.enum(['polling', 'efo']).default('polling').describe('how the archive application reads shards: polling (GetRecords, sharing each shard\'s 5 calls/s and 2 MiB/s with the other applications) or efo (enhanced fan-out: its own 2 MiB/s per shard pushed over HTTP/2; billed per consumer-shard-hour and GB). Not wired into `consume` yet: `consume` refuses efo'),
      dashboard: z.enum(['polling', 'efo']).default('polling').describe('how the dashboard application reads shards (see consumerMode.archive)'),
    })
    .prefault({}),
  efo: z
    .strictObject({
      activeTimeoutMs: z.number().int().min(1_000).default(120_000).describe('enhanced fan-out: how long a worker waits for its application\'s stream consumer to become ACTIVE after registering it'),
      idleTimeoutMs: z.number().int().min(1_000).default(30_000).describe('enhanced fan-out: a subscription that delivers nothing for this long is dropped and resubscribed from its last position'),
    })
    .prefault({}),
  scheduler: z
    .strictObject({
      intervalMs: z.number().int().min(200).default(3_000).describe('how often the dashboard roll-ups are recomputed'),
      windowMinutes: z.number().int().min(1).max(1440).default(7).describe('the dashboard window: activity by type and top users over the last N minutes'),
      topUsers: z.number().int().min(1).max(1000).default(10).describe('how many top users the roll-up keeps'),
      latest: z.number().int().min(1).max(1000).default(20).describe('how many latest activities the roll-up keeps'),
      retentionIntervalMs: z.number().int().min(1_000).default(60_000).describe('how often old rows are pruned'),
      pruneBatch: z.number().int().min(10).max(100_000).default(1_000).describe('rows deleted per statement when pruning, so ingestion is never blocked for long'),
      leaseDurationMs: z.number().int().min(1_000).default(10_000).describe('a standby scheduler takes over after the leader has been silent this long'),
    })
    .prefault({}),
  archive: z
    .strictObject({
      flushBytes: z.number().int().min(1_024).default(5 * 1024 * 1024).describe('an archive object is written once its buffered JSON Lines reach this many bytes (uncompressed)'),
      flushRecords: z.number().int().min(1).default(100_000).describe('… or once it holds this many records'),
      flushAgeMs: z.number().int().min(100).default(60_000).describe('… or once its first record has waited this long; also at SHARD_END and shutdown'),
      compression: z.enum(['gzip', 'none']).default('gzip').describe('archive object encoding: gzip (.jsonl.gz) or none (.jsonl)'),
      gzipLevel: z.number().int().min(1).max(9).default(6).describe('gzip level of archive objects: 1 is fastest, 9 smallest; 6 is zlib\'s default'),
      multipartThresholdBytes: z.number().int().min(5 * 1024 * 1024).default(8 * 1024 * 1024).describe('objects larger than this are uploaded in parts of this size (S3 multipart; at least 5 MiB)'),
      orphanGraceMs: z.number().int().min(0).default(15 * 60_000).describe('the cleanup job deletes uncommitted archive objects (from crashed or fenced-off workers) only once they are this old'),
    })
    .prefault({}),
  coordinator: z
    .strictObject({
      leaseDurationMs: z.number().int().min(1_000).default(10_000).describe('a lease not renewed for this long may be taken by another worker'),
      renewIntervalMs: z.number().int().min(100).default(3_000).describe('how often a worker renews its leases and heartbeat (keep well inside leaseDurationMs)'),
      takeIntervalMs: z.number().int().min(100).default(1_000).describe('how often a worker plans: take free or expired leases, steal or release toward a balanced share'),
      shardSyncIntervalMs: z.number().int().min(500).default(10_000).describe('how often shards are listed to find new ones after resharding'),
      maxRecordsPerFetch: z.number().int().min(1).max(10_000).default(10_000).describe('upper bound of GetRecords Limit'),
      maxBytesPerFetch: z.number().int().min(65_536).default(1024 * 1024).describe('largest GetRecords response asked for; Limit adapts to record sizes to stay near it (bounds memory)'),
      memoryBudgetBytes: z
        .number()
        .int()
        .refine((n) => n === 0 || n >= 1024 * 1024, 'must be 0 (no budget) or at least 1048576 (1 MiB)')
        .default(32 * 1024 * 1024)
        .describe("bytes a consume worker may hold fetched but not yet committed, over all its shards: each shard gets an equal share, reads (and reads ahead) only within it, and what it fetched counts until committed — the archive's buffer included, so an archive object is flushed once it fills half the share; 0: no bound (each shard reads ahead up to maxBytesPerFetch on its own, and the archive buffers up to archive.flushBytes per shard)"),
      readIntervalMs: z.number().int().min(200).default(1_000).describe('least time between two GetRecords calls on one shard by one worker (the KCL default is 1 s; never below 200 ms)'),
      readShare: z.number().gt(0).max(1).default(0.5).describe("this application's share of each shard's read limits (calls/s and bytes/s); the applications reading one stream (dashboard, archive, audit --stream) should sum to at most 1"),
      shardReadBytesPerSec: z.number().int().min(1).default(2 * 1024 * 1024).describe('read limit of one shard in bytes/s, shared by all applications (AWS: 2 MiB/s); raise it for an emulator that enforces none'),
      shardReadCallsPerSec: z.number().int().min(1).default(5).describe('GetRecords calls per second one shard allows, shared by all applications (AWS: 5)'),
      idleReadMs: z.number().int().min(10).default(200).describe('first wait after an empty GetRecords at the tip of a shard; doubles up to idleReadMaxMs (never shorter than the paced interval)'),
      idleReadMaxMs: z.number().int().min(10).default(2_000).describe('longest wait between reads of an idle shard'),
      watchdogMs: z.number().int().min(1_000).default(60_000).describe('a batch still processing after this long is reported as stuck'),
      holdYoungGeneration: z.boolean().default(true).describe("keep V8's young generation at its initial size in a consume worker (1 MiB semi-spaces, instead of growing to 16 MiB): the short-lived garbage of each fetch is collected sooner, for a lower peak RSS at a little more GC work; false: V8's default"),
    })
    .prefault({}),
  producer: z
    .strictObject({
      aggregation: z.boolean().default(true).describe('pack events into KPL aggregates per destination shard (`produce --no-aggregation` sends one event per Kinesis record)'),
      aggregationMaxBytes: z.number().int().min(1024).max(1_048_576).default(51_200).describe('largest aggregate in bytes (the KPL default is 50 KiB; Kinesis allows 1 MiB per record)'),
      strictOrder: z.boolean().default(true).describe('never let a newer record of a partition key overtake an older one that is being retried (at most one in-flight record per key)'),
      rateLimitPercent: z.number().min(1).max(1000).default(95).describe('per-shard send rate as a percentage of shardBytesPerSec / shardRecordsPerSec'),
      shardBytesPerSec: z.number().int().min(1).default(1_000_000).describe('write limit of one shard in bytes/s (AWS: 1 MB/s); raise it for an emulator that enforces none'),
      shardRecordsPerSec: z.number().int().min(1).default(1000).describe('write limit of one shard in records/s (AWS: 1000)'),
      lingerMs: z.number().int().min(0).max(60_000).default(100).describe('longest an event waits for more events before a partly filled PutRecords call is sent'),
      maxConcurrentCalls: z.number().int().min(1).max(256).default(4).describe('PutRecords calls in flight at once'),
      maxBufferedRecords: z.number().int().min(1).default(50_000).describe('events read but not yet acknowledged; reading input pauses above this'),
      maxBufferedBytes: z.number().int().min(1024).default(32 * 1024 * 1024).describe('bytes of events read but not yet acknowledged; reading input pauses above this'),
      recordTtlMs: z.number().int().min(1).default(300_000).describe('an event not acknowledged this long after it was read goes to the dead letters and its file stays in paths.watch'),
      retryInitialMs: z.number().int().min(1).default(100).describe('first retry delay of a failed record (jittered, doubling)'),
      retryMaxMs: z.number().int().min(1).default(5_000).describe('longest retry delay of a failed record'),
      shardMapRefreshMs: z.number().int().min(1_000).default(60_000).describe('how often the shard map is re-read (also re-read when a put lands on an unexpected shard)'),
      rescanMs: z.number().int().min(50).default(2_000).describe('how often paths.watch is re-listed besides file-system notifications'),
      settleMs: z.number().int().min(0).max(3_600_000).default(1_000).describe('a file in paths.watch is read only once its size and mtime have not changed for this long and no process has it open for writing (0: as soon as no writer has it open; for writers that rename complete files into paths.watch)'),
      incompleteWaitMs: z.number().int().min(0).default(60_000).describe('a settled file that ends mid-record (a JSON array without its end, a last line cut short) is waited for this long before it is read as it is (the array rejected, the cut line dead-lettered)'),
      shutdownTimeoutMs: z.number().int().min(0).default(10_000).describe('on SIGINT/SIGTERM, how long to wait for in-flight events before leaving their files in paths.watch'),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      port: port.optional().describe('when set, `produce`, `consume` and `schedule` serve Prometheus /metrics and /healthz on this port (0 = any free port, printed at start); also --metrics-port'),
      host: z.string().min(1).default('127.0.0.1').describe('address the /metrics server binds; anything but loopback needs CENTOS_METRICS_TOKEN, then required as Authorization: Bearer on every scrape'),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('log level'),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
