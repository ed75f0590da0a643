import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { getAsset, isSea } from 'node:sea';
import path from 'node:path';
import { packageRoot } from '../packageRoot.ts';

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

interface AssetSource {
  route: string;
  /** The key under which the single executable embeds the file. */
  seaKey: string;
  file: () => string;
  type: string;
}

const publicFile = (name: string) => path.join(packageRoot(), 'src', 'serve', 'public', name);

/** Served path → where the file comes from: the page's own files, and the chart library. */
const sources: AssetSource[] = [
  { route: '/', seaKey: 'web/index.html', file: () => publicFile('index.html'), type: 'text/html; charset=utf-8' },
  { route: '/assets/app.js', seaKey: 'web/app.js', file: () => publicFile('app.js'), type: 'text/javascript; charset=utf-8' },
  { route: '/assets/style.css', seaKey: 'web/style.css', file: () => publicFile('style.css'), type: 'text/css; charset=utf-8' },
  { route: '/assets/favicon.svg', seaKey: 'web/favicon.svg', file: () => publicFile('favicon.svg'), type: 'image/svg+xml' },
  {
    route: '/assets/uPlot.iife.min.js',
    seaKey: 'web/uPlot.iife.min.js',
    file: () => createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  { route: '/assets/uPlot.min.css', seaKey: 'web/uPlot.min.css', file: () => createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
];

/** SEA asset key → file on disk, for the single-executable build to embed. */
export function webAssetFiles(): Record<string, string> {
  return Object.fromEntries(sources.map((s) => [s.seaKey, s.file()]));
}

/**
 * Reads every file the page needs into memory once, at startup: no CDN, nothing fetched later.
 * The single executable reads its embedded copies instead of files.
 */
export function loadAssets(): Map<string, Asset> {
  const sea = isSea();
  const assets = new Map<string, Asset>();
  for (const { route, seaKey, file, type } of sources) {
    const body = sea ? Buffer.from(getAsset(seaKey)) : readFileSync(file());
    assets.set(route, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return assets;
}
