/**
 * Test prerequisites. A test that needs something a user's machine may lack
 * (../shared, a Debian tool, root) skips with the reason there; under CI
 * (CI=true) the same lack is a failure, because .ci/run must provide it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

/** Repository root (dist/test/helpers/env.js → three levels up). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** ../shared beside the checkout. */
export const SHARED = resolve(ROOT, '..', 'shared');
export const CORPUS = join(SHARED, 'corpus');
export const DATASETS = join(SHARED, 'datasets');
export const IN_CI = process.env.CI === 'true';

/** Skips (or fails under CI) with `reason`. Returns false when the test must not continue. */
export function need(t: TestContext, ok: boolean, reason: string): boolean {
  if (ok) return true;
  if (IN_CI) throw new Error(`missing prerequisite under CI: ${reason}`);
  t.skip(reason);
  return false;
}

/**
 * Files of `corpus` (relative paths, sorted) that `keep` accepts, leaving out
 * the peer outputs under expected/.
 */
export function corpusFiles(corpus: string, keep: (absPath: string, name: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (p !== join(corpus, 'expected')) walk(p);
      } else if (e.isFile() && keep(p, e.name)) out.push(relative(corpus, p));
    }
  };
  walk(corpus);
  return out.sort();
}

export function haveShared(): boolean {
  return existsSync(join(CORPUS, 'README.md'));
}

/** Needs ../shared (the corpus and datasets). */
export function needShared(t: TestContext): boolean {
  return need(t, haveShared(), `needs ../shared beside the checkout (${SHARED} not found)`);
}

const toolCache = new Map<string, boolean>();
export function haveTool(name: string): boolean {
  let ok = toolCache.get(name);
  if (ok === undefined) {
    ok = spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
    toolCache.set(name, ok);
  }
  return ok;
}

/** Needs a command-line tool (tshark, tcpdump, nmap...). */
export function needTool(t: TestContext, name: string, pkg = name): boolean {
  return need(t, haveTool(name), `needs ${name} (apt-get install ${pkg})`);
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Needs root (network namespaces, live capture). */
export function needRoot(t: TestContext): boolean {
  return need(t, isRoot(), 'needs root (network namespaces / live capture)');
}

/** Absolute path of a corpus file given relative to shared/corpus. */
export function corpusFile(rel: string): string {
  return join(CORPUS, rel);
}
