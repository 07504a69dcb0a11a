/**
 * Two configurations of the pipeline over the same capture in one process,
 * in lock-step: each reads the capture from memory in batches of frames and
 * yields to the event loop after every batch, so batch i of one runs right
 * after batch i of the other. On a machine whose load changes from one
 * second to the next, whole runs measured one after the other see different
 * loads; batches a millisecond apart see the same one, so the ratio of the
 * two CPU times is stable.
 *
 * Each source takes the CPU time of its own batches (parsing the pcap
 * records, decoding, every stage). What runs between batches — answers of
 * look-ups, timers, promise jobs, the event loop itself — is the "gap": the
 * caller charges it to the configuration that does asynchronous work (all
 * of it, so the cost it reports is an upper bound, never hidden).
 */
import { readFileSync } from 'node:fs';
import type { FrameSource, InterfaceInfo, RawFrame as Frame, SourceStats } from '../src/capture/frame.js';
import { PcapParser, pcapMagic } from '../src/capture/pcap.js';
import { Warnings } from '../src/capture/warnings.js';
import { Pipeline, type Stage } from '../src/pipeline.js';
import { collectGarbage } from './harness.js';

/** Bytes of a classic pcap record header. */
const PCAP_RECORD_HEADER = 16;

/** CPU time of the process, in ms (the default clock; a bench may pass another, e.g. the packet thread's alone). */
export function processCpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

/** Median of `xs` (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const o = [...xs].sort((x, y) => x - y);
  return o.length % 2 === 1 ? o[(o.length - 1) / 2]! : (o[o.length / 2 - 1]! + o[o.length / 2]!) / 2;
}

/**
 * Who is charged for the CPU time between batches: the side whose batch ran
 * last (its promise jobs, and whatever the event loop does before the next
 * batch: answers of its look-ups, timers, GC tasks).
 */
export class GapLedger {
  private lastEnd = -1;
  private last: BatchedPcapSource | null = null;

  constructor(readonly cpuMs: () => number = processCpuMs) {}

  /** A batch of `src` starts: the time since the last batch ended goes to that batch's source. */
  start(): number {
    const now = this.cpuMs();
    if (this.last !== null) this.last.gapMs += now - this.lastEnd;
    return now;
  }

  end(src: BatchedPcapSource): void {
    const now = this.cpuMs();
    this.lastEnd = now;
    this.last = src;
  }

  /** Charges the time since the last batch to its source (call when both sides are done). */
  close(): void {
    this.start();
    this.last = null;
  }
}

/**
 * A classic pcap held in memory, delivered `batch` frames at a time (see the
 * module comment) by the capture code's own PcapParser, which stops after
 * each batch and resumes where it stopped.
 */
export class BatchedPcapSource implements FrameSource {
  readonly name: string;
  /** CPU time of this source's batches, in ms. */
  cpuMs = 0;
  /** CPU time between the end of this source's batches and the next batch of either source, in ms. */
  gapMs = 0;
  /** Called right after the batch that delivered the last frame (before the pipeline's end-of-input work). */
  onDelivered: () => void = () => {};
  private stopped = false;
  private readonly parser: PcapParser;
  /** Offset of the first packet record (after the file header). */
  private readonly start: number;

  constructor(
    private readonly b: Buffer,
    private readonly batch: number,
    name: string,
    private readonly ledger: GapLedger,
  ) {
    this.name = name;
    const magic = b.length >= 4 ? pcapMagic(b.readUInt32BE(0)) : null;
    if (magic === null) throw new Error(`${name}: not a classic pcap`);
    this.parser = new PcapParser(name, magic, new Warnings(), null);
    // Read the file header only: the parser holds at the first packet record.
    this.parser.hold = true;
    this.start = this.parser.parse(b, 0, b.length);
    this.parser.hold = false;
  }

  /** Frames delivered. */
  get frames(): number {
    return this.parser.frames;
  }

  async run(onFrame: (frame: Frame) => void): Promise<SourceStats> {
    const p = this.parser;
    const end = this.b.length;
    let inBatch = 0;
    p.onFrame = (f) => {
      onFrame(f);
      if (++inBatch === this.batch) p.stopped = true;
    };
    let pos = this.start;
    let done = false;
    while (!done && !this.stopped) {
      const c0 = this.ledger.start();
      inBatch = 0;
      p.stopped = false;
      pos = p.parse(this.b, pos, end);
      this.cpuMs += this.ledger.cpuMs() - c0;
      this.ledger.end(this);
      // A batch cut short (not stopped by the count) ran out of records.
      done = !p.stopped || end - pos < PCAP_RECORD_HEADER;
      if (done || this.stopped) this.onDelivered();
      await new Promise((r) => setImmediate(r));
    }
    return this.stats();
  }

  stop(): void {
    this.stopped = true;
    this.parser.stopped = true;
  }

  stats(): SourceStats {
    return { frames: this.frames, bytesRead: this.b.length, bytesTotal: this.b.length, dropped: 0, ifDropped: 0, warnings: [] };
  }

  interfaces(): readonly InterfaceInfo[] {
    return this.parser.ifaces;
  }
}

export interface InterleavedSide {
  stages: Stage[];
  /** Called after the pipeline ended (close detectors...). */
  close(): Promise<void>;
}

export interface InterleavedResult {
  packets: number;
  /** CPU ms of the batches of side a and side b. */
  aMs: number;
  bMs: number;
  /** CPU ms between batches charged to a and to b (see GapLedger). */
  aGapMs: number;
  bGapMs: number;
}

/**
 * Runs sides `a` and `b` over the capture `buf` in lock-step, a's batch
 * first in each pair. In one turn of the event loop both batches run back to
 * back, then the loop polls (answers, timers): that CPU time lands after b's
 * batch and is charged to b. End-of-input work (flow expiry, awaiting
 * look-ups) is not counted.
 */
export async function interleaved(buf: Buffer, batch: number, a: InterleavedSide, b: InterleavedSide, clock: () => number = processCpuMs): Promise<InterleavedResult> {
  collectGarbage();
  const ledger = new GapLedger(clock);
  const srcA = new BatchedPcapSource(buf, batch, 'a', ledger);
  const srcB = new BatchedPcapSource(buf, batch, 'b', ledger);
  let delivered = 0;
  // Both last batches run before either pipeline's end-of-input work (the sources alternate), so the window ends there.
  const onDelivered = (): void => {
    if (++delivered === 2) queueMicrotask(() => ledger.close());
  };
  srcA.onDelivered = onDelivered;
  srcB.onDelivered = onDelivered;
  await Promise.all([new Pipeline(srcA, a.stages).run(), new Pipeline(srcB, b.stages).run()]);
  await a.close();
  await b.close();
  return { packets: srcA.frames, aMs: srcA.cpuMs, bMs: srcB.cpuMs, aGapMs: srcA.gapMs, bGapMs: srcB.gapMs };
}

/**
 * Cost of `b` against `a` measured in lock-step (`interleaved` above), read from the classic pcap at `path`.
 * Each round runs a control pair (a beside a second a) and the test pair (a
 * beside b), b's batches always second, so the CPU the event loop spends
 * between batches (answers of look-ups, timers) is charged to b. The cost of
 * the round is the test pair's ratio (b + its gaps) / (a + its gaps) over the
 * control pair's, which takes out what the second place itself costs. One
 * unrecorded warm-up round; the median and every round, in %.
 *
 * Options: `clock` measures CPU time (the process's by default; a bench
 * whose b side works on another thread may take the packet thread's alone);
 * `allGapsToB` charges a's gaps too to b (ratio (b + both gaps) / a), for a
 * b whose deferred work (setImmediate) runs right after a's batch.
 */
export async function interleavedCost(
  path: string,
  a: () => Promise<InterleavedSide>,
  b: () => Promise<InterleavedSide>,
  n: number,
  batch = 512,
  o: { clock?: () => number; allGapsToB?: boolean } = {},
): Promise<{ median: number; rounds: string; bGapMs: number; aMs: number }> {
  const buf = readFileSync(path);
  const clock = o.clock ?? processCpuMs;
  const ratio = o.allGapsToB === true ? (r: InterleavedResult): number => (r.bMs + r.bGapMs + r.aGapMs) / r.aMs : (r: InterleavedResult): number => (r.bMs + r.bGapMs) / (r.aMs + r.aGapMs);
  const gapOfB = (r: InterleavedResult): number => (o.allGapsToB === true ? r.bGapMs + r.aGapMs : r.bGapMs);
  await interleaved(buf, batch, await a(), await a(), clock);
  await interleaved(buf, batch, await a(), await b(), clock);
  const costs: number[] = [];
  let bGap = 0;
  let aMs = Infinity;
  for (let i = 0; i < n; i++) {
    const control = await interleaved(buf, batch, await a(), await a(), clock);
    const test = await interleaved(buf, batch, await a(), await b(), clock);
    costs.push((ratio(test) / ratio(control) - 1) * 100);
    bGap += gapOfB(test) / n;
    aMs = Math.min(aMs, test.aMs);
  }
  return { median: median(costs), rounds: costs.map((x) => x.toFixed(1)).join(', '), bGapMs: bGap, aMs };
}
