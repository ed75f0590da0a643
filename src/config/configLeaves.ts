import type { z } from 'zod';
import { configSchema } from './configSchema.ts';

export interface ConfigLeaf {
  path: string[];
  kind: 'string' | 'number' | 'boolean' | 'enum';
  description: string;
  defaultValue: unknown;
  optional: boolean;
}

type AnySchema = z.ZodType & { def: { type: string; innerType?: AnySchema; shape?: Record<string, AnySchema>; defaultValue?: unknown } };

function walk(schema: AnySchema, path: string[], out: ConfigLeaf[]): void {
  let s = schema;
  let defaultValue: unknown;
  let optional = false;
  const description = s.description ?? '';
  for (;;) {
    const t = s.def.type;
    if (t === 'default') defaultValue = s.def.defaultValue;
    else if (t === 'optional') optional = true;
    else if (t !== 'prefault') break;
    s = s.def.innerType as AnySchema;
  }
  if (s.def.type === 'object') {
    for (const [key, child] of Object.entries(s.def.shape ?? {})) walk(child, [...path, key], out);
    return;
  }
  const kind = s.def.type === 'number' ? 'number' : s.def.type === 'boolean' ? 'boolean' : s.def.type === 'enum' ? 'enum' : 'string';
  out.push({ path, kind, description: description || (s.description ?? ''), defaultValue, optional });
}

/** Every leaf key of the configuration, in schema order. */
export const configLeaves: readonly ConfigLeaf[] = (() => {
  const out: ConfigLeaf[] = [];
  walk(configSchema as unknown as AnySchema, [], out);
  return out;
})();

/** `stream.retentionHours` → `CENTOS_STREAM_RETENTION_HOURS`. */
export function envNameFor(path: readonly string[]): string {
  return 'CENTOS_' + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}
