import { z } from 'zod';

const limit = z.coerce.number({ error: 'expected a number' }).int('expected a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000');
const app = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 characters of A-Z a-z 0-9 _ . -');
const token = z.string().max(512).optional();

/** The query parameters each route accepts; anything else is a 400. */
export const routeQueries = {
  none: z.strictObject({ token }),
  list: z.strictObject({ token, limit: limit.optional() }),
  pipeline: z.strictObject({ token, app: app.optional() }),
} as const;

export type RouteQuery = keyof typeof routeQueries;

export type ParsedQuery<K extends RouteQuery> = { ok: true; value: z.infer<(typeof routeQueries)[K]> } | { ok: false; message: string };

/** Validates a request's query string against its route's schema; repeated parameters are refused. */
export function parseQuery<K extends RouteQuery>(kind: K, params: URLSearchParams): ParsedQuery<K> {
  const raw: Record<string, string> = {};
  for (const [k, v] of params) {
    if (Object.hasOwn(raw, k)) return { ok: false, message: `query parameter ${k}: given more than once` };
    raw[k] = v;
  }
  const r = routeQueries[kind].safeParse(raw);
  if (r.success) return { ok: true, value: r.data as z.infer<(typeof routeQueries)[K]> };
  const problems = r.error.issues.map((i) => (i.code === 'unrecognized_keys' ? `unknown query parameter ${i.keys.join(', ')}` : `query parameter ${i.path.join('.')}: ${i.message}`));
  return { ok: false, message: problems.join('; ') };
}
