// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { configExample } from '../../src/config/configExample.ts';
import { configLeaves, envNameFor } from '../../src/config/configLeaves.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { UsageError } from '../../src/errors.ts';

function dirWith(file?: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'centos-config-'));
  if (file !== undefined) writeFileSync(path.join(dir, 'centos.json'), typeof file === 'string' ? file : JSON.stringify(file));
  return dir;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected UsageError, got ${err}`);
    assert.equal(err.exitCode, 2);
    return err.problems;
  }
  assert.fail('expected the config to be rejected');
}

describe('loadConfig', () => {
  it('uses the documented defaults with no file, env or flags', () => {
    const { config, configFile } = loadConfig({ cwd: dirWith(), env: {} });
    assert.equal(configFile, undefined);
    assert.equal(config.stream.name, 'centos-events');
    assert.equal(config.stream.shards, 2);
    assert.equal(config.db.url, 'sqlite:.centos/centos.db');
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.server.port, 8080);
    assert.equal(config.region, undefined, "no region of our own over the SDK's lookup");
  });

  it('layers defaults < ./centos.json < CENTOS_* env < flags', () => {
    const cwd = dirWith({ stream: { name: 'from-file', shards: 3 }, s3: { bucket: 'file-bucket' }, server: { port: 9000 } });
    const { config, configFile } = loadConfig({
      cwd,
      env: { CENTOS_STREAM_SHARDS: '5', CENTOS_SERVER_PORT: '9100' },
      flags: { 'server.port': 9200, 'stream.retentionHours': undefined },
    });
    assert.equal(configFile, path.join(cwd, 'centos.json'));
    assert.equal(config.stream.name, 'from-file');
    assert.equal(config.s3.bucket, 'file-bucket');
    assert.equal(config.stream.shards, 5);
    assert.equal(config.server.port, 9200);
    assert.equal(config.stream.retentionHours, 24);
  });

  it('prefers --config over CENTOS_CONFIG over ./centos.json', () => {
    const cwd = dirWith({ stream: { name: 'local-file' } });
    writeFileSync(path.join(cwd, 'env.json'), JSON.stringify({ stream: { name: 'env-file' } }));
    writeFileSync(path.join(cwd, 'flag.json'), JSON.stringify({ stream: { name: 'flag-file' } }));
    assert.equal(loadConfig({ cwd, env: { CENTOS_CONFIG: 'env.json' } }).config.stream.name, 'env-file');
    assert.equal(loadConfig({ cwd, env: { CENTOS_CONFIG: 'env.json' }, configPath: 'flag.json' }).config.stream.name, 'flag-file');
  });

  it('follows the SDK variables for region and endpoints, below CENTOS_*', () => {
    const env = { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_KINESIS: 'http://127.0.0.1:4567', AWS_ENDPOINT_URL: 'http://127.0.0.1:9999' };
    const { config } = loadConfig({ cwd: dirWith(), env });
    assert.equal(config.region, 'eu-west-1');
    assert.equal(config.aws.kinesisEndpoint, 'http://127.0.0.1:4567');
    assert.equal(config.aws.s3Endpoint, 'http://127.0.0.1:9999');
    assert.equal(loadConfig({ cwd: dirWith(), env: { ...env, CENTOS_REGION: 'ap-south-1' } }).config.region, 'ap-south-1');
  });

  it('names every bad key, why, and where it came from', () => {
    const cwd = dirWith({ stream: { shards: 0, nmae: 'typo' }, bogus: 1, server: { port: 'eighty' } });
    const problems = problemsOf(() => loadConfig({ cwd, env: { CENTOS_DB_URL: 'postgres://x' } }));
    const text = problems.join('\n');
    assert.match(text, /stream\.shards: .*>=1.*config file/);
    assert.match(text, /stream\.nmae: unknown key/);
    assert.match(text, /bogus: unknown key/);
    assert.match(text, /server\.port: .*expected number/);
    assert.match(text, /db\.url: expected mysql:\/\/.*\(from CENTOS_DB_URL\)/);
    assert.equal(problems.length, 5);
  });

  it('rejects a non-numeric environment value for a numeric key', () => {
    const problems = problemsOf(() => loadConfig({ cwd: dirWith(), env: { CENTOS_STREAM_SHARDS: 'two' } }));
    assert.deepEqual(problems, ['invalid config: stream.shards: Invalid input: expected number, received string (from CENTOS_STREAM_SHARDS)']);
  });

  it('rejects invalid JSON and a file that does not exist, naming the file', () => {
    assert.match(problemsOf(() => loadConfig({ cwd: dirWith('{ "stream": '), env: {} }))[0]!, /centos\.json: not valid JSON/);
    assert.match(problemsOf(() => loadConfig({ cwd: dirWith(), env: {}, configPath: 'missing.json' }))[0]!, /missing\.json: cannot read it \(ENOENT\)/);
  });

  it('refuses secrets in the config file and reads the DB password from the environment', () => {
    const problems = problemsOf(() => loadConfig({ cwd: dirWith({ db: { url: 'mysql://u@h/db', password: 'hunter2' } }), env: {} }));
    assert.match(problems[0]!, /db\.password: secrets are not read from the config file \(use CENTOS_DB_PASSWORD\)/);
    assert.ok(!problems.join().includes('hunter2'));
    const { secrets } = loadConfig({ cwd: dirWith(), env: { CENTOS_DB_PASSWORD: 's3cret' } });
    assert.equal(secrets.dbPassword, 's3cret');
  });

  it('requires a fixed start time with AT_TIMESTAMP', () => {
    const problems = problemsOf(() => loadConfig({ cwd: dirWith(), env: { CENTOS_STREAM_INITIAL_POSITION: 'AT_TIMESTAMP' } }));
    assert.match(problems[0]!, /stream\.initialTimestamp: AT_TIMESTAMP needs stream\.initialTimestamp/);
    const ok = loadConfig({ cwd: dirWith(), env: { CENTOS_STREAM_INITIAL_POSITION: 'AT_TIMESTAMP', CENTOS_STREAM_INITIAL_TIMESTAMP: '2024-01-01T00:00:00Z' } });
    assert.equal(ok.config.stream.initialTimestamp, '2024-01-01T00:00:00Z');
  });

  it('maps key paths to environment names in upper snake case', () => {
    assert.equal(envNameFor(['db', 'url']), 'CENTOS_DB_URL');
    assert.equal(envNameFor(['stream', 'retentionHours']), 'CENTOS_STREAM_RETENTION_HOURS');
    assert.equal(envNameFor(['local', 'kinesisPort']), 'CENTOS_LOCAL_KINESIS_PORT');
  });

  it('every key documented: config.example.json is current and loads to the defaults', () => {
    const file = new URL('../../config.example.json', import.meta.url);
    assert.equal(readFileSync(file, 'utf8'), configExample(), 'config.example.json is stale: run `npm run config:example`');
    for (const leaf of configLeaves) assert.ok(leaf.description.length > 5, `${leaf.path.join('.')} has no description`);
    const fromExample = loadConfig({ cwd: dirWith(), env: {}, configPath: file.pathname }).config;
    assert.deepEqual(fromExample, loadConfig({ cwd: dirWith(), env: {} }).config);
  });
});
