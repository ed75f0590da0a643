import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** Served path → where the file comes from: the page's own files, and the chart library. */
const sources: Array<[string, () => string, string]> = [
  ['/', () => new URL('./public/index.html', import.meta.url).pathname, 'text/html; charset=utf-8'],
  ['/assets/app.js', () => new URL('./public/app.js', import.meta.url).pathname, 'text/javascript; charset=utf-8'],
  ['/assets/style.css', () => new URL('./public/style.css', import.meta.url).pathname, 'text/css; charset=utf-8'],
  ['/assets/favicon.svg', () => new URL('./public/favicon.svg', import.meta.url).pathname, 'image/svg+xml'],
  ['/assets/uPlot.iife.min.js', () => createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
  ['/assets/uPlot.min.css', () => createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css'), 'text/css; charset=utf-8'],
];

/**
 * Reads every file the page needs into memory once, at startup: no CDN, nothing fetched later,
 * and the one place a single-executable build swaps in embedded copies.
 */
export function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [route, file, type] of sources) {
    const body = readFileSync(file());
    assets.set(route, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return assets;
}
