/**
 * Benchmark plumbing shared by bench/run.ts and the per-feature bench modules
 * (bench/<name>.ts, listed in bench/registry.ts): looped input files, timing,
 * and a helper that runs wirewatch's pipeline with given stages.
 */
import { openSync, writeSync, closeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCaptureFile } from '../src/capture/open.js';
import { Pipeline, type Stage } from '../src/pipeline.js';

/** Repository root (dist/bench/harness.js → two levels up). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CORPUS = resolve(ROOT, '..', 'shared', 'corpus');
export { loopPcap, WORK_DIR } from './loop.js';

/** One input: a corpus capture looped `reps` times into a temporary pcap. */
export interface BenchFile {
  /** Corpus-relative name, e.g. "zeek/echo-connections.pcap". */
  name: string;
  /** The original capture. */
  original: string;
  originalPackets: number;
  /** The looped capture every measurement of the run reads. */
  path: string;
  packets: number;
  reps: number;
}

/** One measured line of the results table. */
export interface BenchRow {
  file: string;
  /** What ran, e.g. "wirewatch decode-only" or "tcpdump -nr". */
  name: string;
  packets: number;
  /** Best wall time over the repetitions, seconds (0 when it could not run). */
  seconds: number;
  /** Why a row has no figure, or a caveat. */
  note?: string;
}

/** What a bench module receives: the looped files and the helpers. */
export interface BenchContext {
  files: readonly BenchFile[];
  /** Times `fn` `runs` times and returns the best wall time in seconds. */
  best(fn: () => Promise<void> | void, runs?: number): Promise<number>;
  /** Runs wirewatch's pipeline over `file` with `stages` (decode always runs); returns packets seen. */
  runStages(file: BenchFile, stages: Stage[]): Promise<number>;
}

/** A benchmark of one feature: returns its rows (one per file, usually). */
export type BenchModule = (ctx: BenchContext) => Promise<BenchRow[]>;

/**
 * A full garbage collection, between timed runs (outside their timing): a
 * run then pays for its own garbage only, not for what the run before it left
 * (which would otherwise land in whichever run the heap filled up in). Needs
 * node --expose-gc, as `npm run bench` starts it; a no-op without.
 */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export async function best(fn: () => Promise<void> | void, runs = 3): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (s < min) min = s;
  }
  return min;
}

export async function runStages(path: string, stages: Stage[]): Promise<number> {
  const source = await openCaptureFile(path);
  const summary = await new Pipeline(source, stages).run();
  return summary.packets;
}

/** A Writable that writes synchronously to /dev/null (what `> /dev/null` gives the peers). */
export function devNull(): Writable {
  const fd = openSync('/dev/null', 'w');
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _enc, cb) {
      if (typeof chunk === 'string') writeSync(fd, chunk);
      else writeSync(fd, chunk);
      cb();
    },
    final(cb) {
      closeSync(fd);
      cb();
    },
  });
}

