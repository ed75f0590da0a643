import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { getAsset, isSea } from 'node:sea';
import { CentosError } from '../errors.ts';
import { addonCachePath } from './addonCachePath.ts';

/** Where the single executable may write its addons; set once by the binary's entry point. */
export interface AddonCacheLocation {
  xdgCacheHome?: string | undefined;
  homeDir: string;
  version: string;
}

/** The SEA asset key of each native addon the binary embeds. */
export const addonAssets = {
  betterSqlite3: 'addons/better_sqlite3.node',
  leveldown: 'addons/leveldown.node',
} as const;

let location: AddonCacheLocation | undefined;
const loaded = new Map<string, unknown>();

export function configureEmbeddedAddons(where: AddonCacheLocation): void {
  location = where;
}

/**
 * A native addon carried inside the single executable: the OS can only dlopen a file, so its bytes
 * go to a content-addressed cache file first (written once, atomically, re-used while intact).
 */
export function loadEmbeddedAddon(assetKey: string): unknown {
  const hit = loaded.get(assetKey);
  if (hit) return hit;
  if (!isSea()) throw new CentosError(`native addon ${assetKey} is embedded only in the single executable`);
  if (!location) throw new CentosError(`native addon ${assetKey}: the addon cache was not configured`);
  const bytes = Buffer.from(getAsset(assetKey));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const file = addonCachePath({ ...location, name: assetKey, sha256 });
  if (!intact(file, sha256)) {
    try {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, bytes, { mode: 0o700 });
      renameSync(tmp, file);
    } catch (err) {
      throw new CentosError(`cannot write native addon ${assetKey} to ${file} (set XDG_CACHE_HOME to a writable directory)`, { cause: err });
    }
  }
  const module = { exports: {} as unknown };
  process.dlopen(module, file);
  loaded.set(assetKey, module.exports);
  return module.exports;
}

function intact(file: string, sha256: string): boolean {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex') === sha256;
  } catch {
    return false;
  }
}
