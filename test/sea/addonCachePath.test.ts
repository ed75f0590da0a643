// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addonCachePath } from '../../src/sea/addonCachePath.ts';

describe('addonCachePath', () => {
  const sha = 'ab'.repeat(32);
  const base = { homeDir: '/home/op', version: '0.1.0', name: 'better_sqlite3.node', sha256: sha };
  const cases: Array<[string, Partial<Parameters<typeof addonCachePath>[0]>, string]> = [
    ['defaults to ~/.cache', {}, `/home/op/.cache/centos/0.1.0/abababababababab-better_sqlite3.node`],
    ['uses $XDG_CACHE_HOME', { xdgCacheHome: '/var/cache/op' }, `/var/cache/op/centos/0.1.0/abababababababab-better_sqlite3.node`],
    ['ignores a relative $XDG_CACHE_HOME', { xdgCacheHome: 'cache' }, `/home/op/.cache/centos/0.1.0/abababababababab-better_sqlite3.node`],
    ['ignores an empty $XDG_CACHE_HOME', { xdgCacheHome: '' }, `/home/op/.cache/centos/0.1.0/abababababababab-better_sqlite3.node`],
    ['keeps versions apart', { version: '0.2.0-rc.1' }, `/home/op/.cache/centos/0.2.0-rc.1/abababababababab-better_sqlite3.node`],
    ['cannot be steered out of the cache by a name', { name: '../../evil.node' }, `/home/op/.cache/centos/0.1.0/abababababababab-evil.node`],
    ['cannot be steered out of the cache by a version', { version: '../x' }, `/home/op/.cache/centos/.._x/abababababababab-better_sqlite3.node`],
  ];
  for (const [what, over, want] of cases) it(what, () => assert.equal(addonCachePath({ ...base, ...over }), want));

  it('names different contents differently', () => {
    assert.notEqual(addonCachePath(base), addonCachePath({ ...base, sha256: 'cd'.repeat(32) }));
  });
});
