/**
 * Verdicts over several processes ("forks", as JMH runs a benchmark in
 * several forks of the JVM). V8's optimisation decisions differ from process
 * to process: on this machine the rounds of one lock-step measurement agree
 * to about ±1.5 points while its median moves by up to 14 points from one
 * process to the next (the detection bench's lock-step gave 21.0, 25.6, 23.0
 * and 31.8 % in four runs of the same code). One process is one draw of that
 * spread, so a figure that is a verdict is measured in FORKS fresh processes
 * one after the other, and the verdict is the median of their figures; every
 * fork's figures are reported beside it.
 *
 * A fork is the same script run with FORK_FLAG; it prints whatever it
 * prints, then its figures as one JSON line after FORK_RESULT.
 */
import { spawnSync } from 'node:child_process';
import { median } from './detect-interleave.js';

/** Processes per verdict (odd, so the median is one fork's figure). */
export const FORKS = 3;
export const FORK_FLAG = '--fork';
const FORK_RESULT = 'FORK-RESULT ';

export type Figures = Record<string, number>;

export interface ForkRun {
  figures: Figures;
  /** What the fork printed before its figures. */
  text: string;
}

/** True in a fork (the script was started with FORK_FLAG). */
export function isFork(argv: readonly string[] = process.argv): boolean {
  return argv.includes(FORK_FLAG);
}

/** In a fork: reports its figures to the parent (the last line it prints). */
export function reportFigures(figures: Figures): void {
  process.stdout.write(`${FORK_RESULT}${JSON.stringify(figures)}\n`);
}

/**
 * Runs `node --expose-gc <script> --fork <args>` `n` times, one after the
 * other (two pipelines at once would share the two cores), passing its
 * stderr through. Throws when a fork fails or reports no figures.
 */
export function runForks(script: string, args: readonly string[], n: number = FORKS): ForkRun[] {
  const runs: ForkRun[] = [];
  for (let i = 0; i < n; i++) {
    const r = spawnSync(process.execPath, ['--expose-gc', script, FORK_FLAG, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20 });
    const out = r.stdout ?? '';
    const at = out.lastIndexOf(FORK_RESULT);
    if (r.status !== 0 || at < 0) throw new Error(`fork ${i + 1} of ${script} failed (exit ${r.status ?? r.signal}): ${out.trim().split('\n').slice(-3).join(' ')}`);
    const figures = JSON.parse(out.slice(at + FORK_RESULT.length)) as Figures;
    runs.push({ figures, text: out.slice(0, at).trim() });
  }
  return runs;
}

/** The median over forks of figure `key`, and every fork's value ("12.1, 13.0, 14.2"). */
export function acrossForks(runs: readonly ForkRun[], key: string): { median: number; forks: string } {
  const xs = runs.map((r) => {
    const x = r.figures[key];
    if (x === undefined) throw new Error(`forks: no figure "${key}"`);
    return x;
  });
  return { median: median(xs), forks: xs.map((x) => x.toFixed(1)).join(', ') };
}
