#!/usr/bin/env node
// Builds the dashboard page (src/web/page/) into dist/web/: type-checks it with
// its own tsconfig (DOM types), bundles the script and the styles (uPlot
// included) with esbuild, and copies index.html. The server reads these three
// files into memory at start-up; nothing is fetched from the network at run time.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const page = join(root, 'src', 'web', 'page');
const out = join(root, 'dist', 'web');

const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(page, 'tsconfig.json')], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('build-web: type errors in src/web/page');
  process.exit(1);
}
mkdirSync(out, { recursive: true });
const common = { bundle: true, minify: true, sourcemap: false, target: ['chrome110', 'firefox110', 'safari16'], logLevel: 'warning', absWorkingDir: root };
await build({ ...common, entryPoints: [join(page, 'main.ts')], outfile: join(out, 'app.js'), format: 'iife', platform: 'browser' });
await build({ ...common, entryPoints: [join(page, 'style.css')], outfile: join(out, 'app.css') });
copyFileSync(join(page, 'index.html'), join(out, 'index.html'));
console.error(`build-web: dashboard page written to ${out}`);
