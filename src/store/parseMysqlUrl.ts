import { UsageError } from '../errors.ts';

/** How the connection is encrypted and what it checks. */
export type MysqlTls =
  | { kind: 'none' }
  /** mysql2's bundled CA profile: `ssl=Amazon RDS` (every RDS and Aurora region's authorities). */
  | { kind: 'profile'; name: 'Amazon RDS'; mode: 'verify-identity' }
  /** Node's own trusted authorities: `ssl=true`. */
  | { kind: 'system'; mode: TlsVerifyMode }
  /** A CA bundle file: `ssl-ca=/path/bundle.pem`. */
  | { kind: 'ca-file'; path: string; mode: TlsVerifyMode };

/** verify-identity: chain and host name (default). verify-ca: chain only. Nothing weaker is offered. */
export type TlsVerifyMode = 'verify-identity' | 'verify-ca';

export interface MysqlTarget {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  tls: MysqlTls;
}

const KNOWN = new Set(['ssl', 'ssl-ca', 'ssl-mode']);
const MODES = new Set(['verify-identity', 'verify-ca', 'disabled']);

function bad(why: string): never {
  throw new UsageError([`invalid config: db.url: ${why}`]);
}

/**
 * `mysql://user[:password]@host[:port]/database[?ssl=…&ssl-ca=…&ssl-mode=…]`; a password in the
 * environment wins over none. Any other parameter, or a TLS value it does not know, is a config
 * error rather than a silently unencrypted connection.
 */
export function parseMysqlUrl(url: string, password?: string): MysqlTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    bad('not a URL (expected mysql://user@host:3306/db)');
  }
  for (const key of u.searchParams.keys()) {
    if (!KNOWN.has(key)) bad(`unknown parameter "${key}" (known: ssl=true|Amazon RDS, ssl-ca=<CA bundle file>, ssl-mode=verify-identity|verify-ca|disabled)`);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const urlPassword = u.password ? decodeURIComponent(u.password) : undefined;
  const pw = urlPassword ?? password;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    ...(pw !== undefined ? { password: pw } : {}),
    database,
    tls: parseTls(u.searchParams),
  };
}

function parseTls(q: URLSearchParams): MysqlTls {
  const ssl = q.get('ssl');
  const ca = q.get('ssl-ca');
  const mode = q.get('ssl-mode');
  if (mode !== null && !MODES.has(mode)) bad(`ssl-mode=${mode}: expected verify-identity, verify-ca or disabled`);
  if (mode === 'disabled') {
    if ((ssl !== null && ssl !== 'false') || ca !== null) bad('ssl-mode=disabled contradicts ssl/ssl-ca');
    return { kind: 'none' };
  }
  const verify = (mode ?? 'verify-identity') as TlsVerifyMode;
  if (ca !== null) {
    if (ca === '') bad('ssl-ca is empty (expected the path of a PEM CA bundle)');
    if (ssl !== null && ssl !== 'true') bad(`ssl=${ssl} with ssl-ca: use one source of trusted authorities`);
    return { kind: 'ca-file', path: ca, mode: verify };
  }
  if (ssl === null || ssl === 'false') {
    if (mode !== null) bad(`ssl-mode=${mode} without ssl=… or ssl-ca=…`);
    return { kind: 'none' };
  }
  if (ssl === 'true') return { kind: 'system', mode: verify };
  if (ssl === 'Amazon RDS') {
    if (verify !== 'verify-identity') bad('ssl=Amazon RDS checks the host name always; use ssl-ca=<bundle>&ssl-mode=verify-ca to skip it');
    return { kind: 'profile', name: 'Amazon RDS', mode: verify };
  }
  return bad(`ssl=${ssl}: expected true, false or "Amazon RDS" (write the space as %20 or +)`);
}

/** Whether `db.url` is a usable MySQL URL: the problem, or undefined. */
export function mysqlUrlProblem(url: string): string | undefined {
  try {
    parseMysqlUrl(url);
    return undefined;
  } catch (err) {
    return err instanceof UsageError ? err.problems[0]!.replace(/^invalid config: db\.url: /, '') : String(err);
  }
}

// Node's certificate errors; mysql2 replaces their code with HANDSHAKE_SSL_ERROR but keeps the message.
const UNTRUSTED = /self[- ]signed certificate|unable to (verify the first certificate|get (local )?issuer certificate)|certificate signature failure|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT/i;
const WRONG_NAME = /does not match certificate's altnames|ERR_TLS_CERT_ALTNAME_INVALID/i;

/** A connection error, with what to check when the server's certificate was not accepted. */
export function tlsFailureHint(err: unknown, t: MysqlTarget): unknown {
  const code = (err as { code?: string })?.code;
  if (!(err instanceof Error) || t.tls.kind === 'none') return err;
  const what = `${code ?? ''} ${err.message}`;
  const source = t.tls.kind === 'ca-file' ? `the CA bundle ssl-ca=${t.tls.path}` : t.tls.kind === 'profile' ? 'the Amazon RDS CA profile' : "Node's trusted authorities (ssl=true)";
  let hint: string | undefined;
  if (UNTRUSTED.test(what)) hint = `TLS: the server's certificate is not signed by an authority in ${source}; point db.url's ssl-ca at the bundle that issued it (for RDS/Aurora: ssl=Amazon%20RDS)`;
  else if (WRONG_NAME.test(what)) hint = `TLS: the server's certificate does not name host ${t.host}; connect by the name on the certificate, or add ssl-mode=verify-ca`;
  else if (code === 'HANDSHAKE_NO_SSL_SUPPORT') hint = 'TLS: the server does not offer TLS; enable it on the server or drop ssl from db.url';
  if (!hint) return err;
  return Object.assign(new Error(`${hint} (${err.message})`, { cause: err }), { code, fatal: true });
}
