import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.ts';
import { configLeaves, envNameFor } from './configLeaves.ts';
import { configSchema, type Config } from './configSchema.ts';

export interface Secrets {
  dbPassword?: string;
  dashboardToken?: string;
  metricsToken?: string;
}

export interface Settings {
  config: Config;
  secrets: Secrets;
  /** The config file that was read, if any. */
  configFile?: string;
}

export interface LoadConfigInput {
  /** `--config` from the command line. */
  configPath?: string;
  /** Flag overrides keyed by dotted key path (`stream.name`). Undefined values are ignored. */
  flags?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

type Tree = Record<string, unknown>;

const SECRET_KEYS = new Set(['password', 'secretAccessKey', 'token']);

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Drops `"//…"` documentation keys and rejects secrets; returns the tree for the schema. */
function cleanFileTree(tree: Tree, at: string[], problems: string[]): Tree {
  const out: Tree = {};
  for (const [k, v] of Object.entries(tree)) {
    // "//" keys are comments; null means "use the default" (config.example.json shows unset keys as null).
    if (k.startsWith('//') || v === null) continue;
    const p = [...at, k];
    if (SECRET_KEYS.has(k)) {
      problems.push(`${p.join('.')}: secrets are not read from the config file (use ${p[0] === 'db' ? 'CENTOS_DB_PASSWORD' : 'the environment'})`);
      continue;
    }
    out[k] = isTree(v) ? cleanFileTree(v, p, problems) : v;
  }
  return out;
}

function setPath(tree: Tree, p: readonly string[], value: unknown): void {
  let node = tree;
  for (const seg of p.slice(0, -1)) {
    if (!isTree(node[seg])) node[seg] = {};
    node = node[seg] as Tree;
  }
  node[p[p.length - 1]!] = value;
}

function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isTree(v) && isTree(out[k]) ? deepMerge(out[k] as Tree, v) : v;
  return out;
}

function markSources(tree: Tree, at: string[], source: string, sources: Map<string, string>): void {
  for (const [k, v] of Object.entries(tree)) {
    sources.set([...at, k].join('.'), source);
    if (isTree(v)) markSources(v, [...at, k], source, sources);
  }
}

function coerce(kind: string, raw: string): unknown {
  if (kind === 'number') return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  if (kind === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

function readConfigFile(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError([`config file ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? err})`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError([`config file ${file}: not valid JSON (${(err as Error).message})`]);
  }
  if (!isTree(parsed)) throw new UsageError([`config file ${file}: expected a JSON object at the top level`]);
  return parsed;
}

/**
 * Reads configuration once: defaults < config file < CENTOS_* environment < flags.
 * The only module that reads the environment.
 */
export function loadConfig(input: LoadConfigInput = {}): Settings {
  const env = input.env ?? process.env;
  const cwd = input.cwd ?? process.cwd();
  const problems: string[] = [];
  const sources = new Map<string, string>();

  let configFile: string | undefined;
  if (input.configPath) configFile = path.resolve(cwd, input.configPath);
  else if (env.CENTOS_CONFIG) configFile = path.resolve(cwd, env.CENTOS_CONFIG);
  else if (existsSync(path.join(cwd, 'centos.json'))) configFile = path.join(cwd, 'centos.json');

  let tree: Tree = {};
  if (configFile) {
    tree = cleanFileTree(readConfigFile(configFile), [], problems);
    markSources(tree, [], `config file ${configFile}`, sources);
  }

  // The SDK's own variables sit just below ours.
  const sdkEnv: Array<[string[], string | undefined, string]> = [
    [['region'], env.AWS_REGION ?? env.AWS_DEFAULT_REGION, env.AWS_REGION ? 'AWS_REGION' : 'AWS_DEFAULT_REGION'],
    [['aws', 'kinesisEndpoint'], env.AWS_ENDPOINT_URL_KINESIS ?? env.AWS_ENDPOINT_URL, env.AWS_ENDPOINT_URL_KINESIS ? 'AWS_ENDPOINT_URL_KINESIS' : 'AWS_ENDPOINT_URL'],
    [['aws', 's3Endpoint'], env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL, env.AWS_ENDPOINT_URL_S3 ? 'AWS_ENDPOINT_URL_S3' : 'AWS_ENDPOINT_URL'],
  ];
  for (const [p, value, name] of sdkEnv) {
    if (value) {
      setPath(tree, p, value);
      sources.set(p.join('.'), name);
    }
  }
  for (const leaf of configLeaves) {
    const name = envNameFor(leaf.path);
    const raw = env[name];
    if (raw === undefined) continue;
    setPath(tree, leaf.path, coerce(leaf.kind, raw));
    sources.set(leaf.path.join('.'), name);
  }

  const flagTree: Tree = {};
  for (const [key, value] of Object.entries(input.flags ?? {})) {
    if (value === undefined) continue;
    setPath(flagTree, key.split('.'), value);
    sources.set(key, 'command line');
  }
  tree = deepMerge(tree, flagTree);

  const result = configSchema.safeParse(tree);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k].join('.')) : [issue.path.join('.')];
      for (const key of keys) {
        const from = sources.get(key);
        const why = issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message;
        problems.push(`${key || '(top level)'}: ${why}${from ? ` (from ${from})` : ''}`);
      }
    }
  }
  if (problems.length > 0) throw new UsageError(problems.map((p) => `invalid config: ${p}`));

  const secrets: Secrets = {};
  if (env.CENTOS_DB_PASSWORD) secrets.dbPassword = env.CENTOS_DB_PASSWORD;
  if (env.CENTOS_DASHBOARD_TOKEN) secrets.dashboardToken = env.CENTOS_DASHBOARD_TOKEN;
  if (env.CENTOS_METRICS_TOKEN) secrets.metricsToken = env.CENTOS_METRICS_TOKEN;
  return { config: result.data!, secrets, ...(configFile ? { configFile } : {}) };
}
