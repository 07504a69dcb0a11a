/**
 * The page's files, read once at start-up from the build output (dist/web/)
 * into a fixed map. Requests are answered only from this map, by exact path,
 * so no URL can reach any other file.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  type: string;
}

/** URL path → file name in the build output. */
const FILES: readonly [string, string, string][] = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/app.js', 'app.js', 'text/javascript; charset=utf-8'],
  ['/app.css', 'app.css', 'text/css; charset=utf-8'],
];

/** dist/src/web/assets.js → dist/web/ */
export const ASSET_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');

export function loadAssets(dir = ASSET_DIR): ReadonlyMap<string, Asset> {
  const map = new Map<string, Asset>();
  for (const [path, file, type] of FILES) {
    let body: Buffer;
    try {
      body = readFileSync(join(dir, file));
    } catch (e) {
      throw new Error(`dashboard page not built (${join(dir, file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); run npm run build`);
    }
    map.set(path, { body, type });
  }
  return map;
}
