import path from 'node:path';

export interface AddonCacheInput {
  /** $XDG_CACHE_HOME when set (and absolute, as the XDG spec requires). */
  xdgCacheHome?: string | undefined;
  homeDir: string;
  version: string;
  /** The addon's file name inside the binary, e.g. `better_sqlite3.node`. */
  name: string;
  /** sha256 of the addon's bytes, hex. */
  sha256: string;
}

/**
 * Where an embedded native addon is written before `process.dlopen`: per version, and named by its
 * content hash, so two centos versions (or a rebuilt binary) never load each other's file.
 */
export function addonCachePath(i: AddonCacheInput): string {
  const root = i.xdgCacheHome && path.isAbsolute(i.xdgCacheHome) ? i.xdgCacheHome : path.join(i.homeDir, '.cache');
  const safeVersion = i.version.replace(/[^A-Za-z0-9._+-]/g, '_');
  const safeName = path.basename(i.name).replace(/[^A-Za-z0-9._-]/g, '_');
  return path.join(root, 'centos', safeVersion, `${i.sha256.slice(0, 16)}-${safeName}`);
}
