/**
 * Benchmark plumbing shared by bench/run.ts and the per-feature bench modules
 * (bench/<name>.ts, listed in bench/registry.ts): looped input files, timing,
 * and a helper that runs wirewatch's pipeline with given stages.
 */
import { openSync, readFileSync, writeSync, closeSync, mkdirSync, existsSync, renameSync } from 'node:fs';
import { Writable } from 'node:stream';
import { basename, join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCaptureFile } from '../src/capture/open.js';
import { Pipeline, type Stage } from '../src/pipeline.js';

/** Repository root (dist/bench/harness.js → two levels up). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CORPUS = resolve(ROOT, '..', 'shared', 'corpus');
export const WORK_DIR = '/tmp/wirewatch-bench';

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

/**
 * Writes `src` (a little- or big-endian microsecond/nanosecond pcap) `reps`
 * times into one pcap, shifting each copy's timestamps past the previous one
 * so time keeps moving forward for stages that track it.
 */
export function loopPcap(src: string, reps: number): { path: string; packets: number } {
  const b = readFileSync(src);
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && b.readUInt32BE(0) !== 0xa1b2c3d4 && b.readUInt32BE(0) !== 0xa1b23c4d) {
    throw new Error(`${src}: not a classic pcap file (the bench loops pcap only)`);
  }
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const records: [number, number][] = [];
  let first = -1;
  let last = 0;
  for (let o = 24; o + 16 <= b.length; ) {
    const len = u32(o + 8);
    if (o + 16 + len > b.length) break;
    const sec = u32(o);
    if (first < 0) first = sec;
    last = sec;
    records.push([o, 16 + len]);
    o += 16 + len;
  }
  const span = Math.max(0, last - first) + 1;
  mkdirSync(WORK_DIR, { recursive: true });
  const out = join(WORK_DIR, `${basename(src)}.x${reps}.pcap`);
  if (!existsSync(out)) {
    // Written under a private name and renamed, so concurrent benches never read a half-written loop.
    const tmp = `${out}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, b.subarray(0, 24));
    for (let r = 0; r < reps; r++) {
      const chunk = Buffer.allocUnsafe(records.reduce((n, [, l]) => n + l, 0));
      let p = 0;
      for (const [o, l] of records) {
        b.copy(chunk, p, o, o + l);
        const sec = u32(o) + r * span;
        if (le) chunk.writeUInt32LE(sec >>> 0, p);
        else chunk.writeUInt32BE(sec >>> 0, p);
        p += l;
      }
      writeSync(fd, chunk);
    }
    closeSync(fd);
    renameSync(tmp, out);
  }
  return { path: out, packets: records.length * reps };
}
