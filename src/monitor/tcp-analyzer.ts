/**
 * The monitor's TCP analysis (tcp-analysis.ts) as the packet path sees it:
 * `onSegment` only queues the segment's numbers; the analysis runs over the
 * queue later, in a batch.
 *
 * Threaded (the monitor stage's default): the queue is a ring in shared
 * memory and a worker thread (tcp-analysis-worker.ts) runs the analysis, so
 * on a machine with a spare core the packet thread pays only for the queue.
 * The results (counters, RTT histograms) are written by the worker into the
 * same shared memory; reading one (`totals`, `size`, the histograms, `flush`)
 * first waits until the worker has analysed every segment queued so far, so
 * a reader sees exactly what segment-by-segment analysis would have given at
 * that point. RTT samples for an observer (`onRtt`, the Prometheus
 * histograms) come back through a second ring and are passed to the observer
 * on the packet thread, in order, by those reads.
 *
 * Inline (`thread: false`, TcpAnalyzer's default): the same analysis on the
 * caller's thread, QUEUE segments at a time, which keeps the table and the
 * analysis code in the CPU's caches for a whole batch instead of a visit
 * between every other stage's work per packet.
 *
 * If the worker fails (it cannot start, the analysis throws, it exits), the
 * next read throws an Error naming the cause instead of returning stale
 * results.
 *
 * Memory model: the worker reads ring slots only below the published write
 * count, the packet thread writes a slot only once the worker's read count
 * has passed it; both counts are Atomics (sequentially consistent), which
 * orders the plain reads and writes of the slots and the results around them.
 */
import { Worker } from 'node:worker_threads';
import type { Layers } from '../decode/packet.js';
import type { LogHistogram } from './histogram.js';
import type { TcpCounts } from './snapshot.js';
import {
  FLAG_BITS, S_ACK, S_DK, S_FLAGS_WIN, S_LEN, S_NSEC, S_PORTS, S_SEC, S_SEQ, S_SK, SLOT_F64,
  R_CONNECTIONS, R_EVICTED, R_HANDSHAKES, R_OUT_OF_ORDER, R_RESETS, R_RETRANSMISSIONS, R_SIZE, R_ZERO_WINDOWS,
  RESULT_WORDS, RTT_HANDSHAKE, TcpAnalysisCore, resultHistograms,
} from './tcp-analysis.js';

/** Segments queued between two hand-overs to the analysis. */
const QUEUE = 256;
/** Ring slots (segments) of the threaded queue: the worker may lag this far behind (a power of two, a multiple of QUEUE). */
const RING = 4096;
/** RTT samples the worker may hold for the packet thread (a power of two). */
const SAMPLES = 1024;
/** Longest wait for the worker's progress before the analysis is declared stuck (ms). */
const STUCK_MS = 30_000;

// Control words (Int32, shared).
/** Segments published to the worker (counts wrap at 2^32; compared as differences). */
export const C_WRITE = 0;
/** Segments the worker has analysed. */
export const C_READ = 1;
/** 1 while someone observes RTT samples. */
export const C_WANT_SAMPLES = 2;
export const C_SAMPLE_WRITE = 3;
export const C_SAMPLE_READ = 4;
/** Set by close(): the worker ends once it has analysed everything published. */
export const C_CLOSE = 5;
/** Set by the worker when the analysis threw (the message goes to the worker's `error` event). */
export const C_FAILED = 6;
/** 1 while the worker sleeps until notified (idle for a while); else it polls and needs no wake-up. */
export const C_SLEEPING = 7;
const CONTROL_WORDS = 16;

/** The views of the shared memory both sides use. */
export interface SharedTcpQueue {
  ctl: Int32Array;
  /** The ring's slots (tcp-analysis.ts), as doubles and as 32-bit words. */
  ring: Float64Array;
  ringWords: Uint32Array;
  res: Float64Array;
  /** (kind, seconds) pairs. */
  samples: Float64Array;
  ringSlots: number;
  sampleSlots: number;
}

/** Views of `buf` laid out for a ring of `ringSlots` segments and `sampleSlots` samples. */
export function sharedViews(buf: SharedArrayBuffer | ArrayBuffer, ringSlots: number, sampleSlots: number): SharedTcpQueue {
  const at = layout(ringSlots, sampleSlots);
  return {
    ctl: new Int32Array(buf, 0, CONTROL_WORDS),
    ring: new Float64Array(buf, at.ring, ringSlots * SLOT_F64),
    ringWords: new Uint32Array(buf, at.ring, ringSlots * SLOT_F64 * 2),
    res: new Float64Array(buf, at.res, RESULT_WORDS),
    samples: new Float64Array(buf, at.samples, sampleSlots * 2),
    ringSlots,
    sampleSlots,
  };
}

/** Byte offsets of the ring, the results and the samples (after the control words), and the bytes in all. */
function layout(ringSlots: number, sampleSlots: number): { ring: number; res: number; samples: number; bytes: number } {
  const ring = CONTROL_WORDS * 4;
  const res = ring + ringSlots * SLOT_F64 * 8;
  const samples = res + RESULT_WORDS * 8;
  return { ring, res, samples, bytes: samples + sampleSlots * 2 * 8 };
}

/** What the worker is started with. */
export interface TcpWorkerData {
  buf: SharedArrayBuffer;
  ringSlots: number;
  sampleSlots: number;
  maxConnections: number;
}

export interface TcpTotals extends TcpCounts {
  /** Connections dropped from the bounded table to make room. */
  evicted: number;
}

export interface TcpAnalyzerOptions {
  /** Run the analysis in a worker thread (default false: inline). */
  thread?: boolean;
}

/** Terminates the worker of an analyzer that was never closed, once the analyzer is garbage. */
const orphans = new FinalizationRegistry<Worker>((w) => void w.terminate());

/**
 * Workers whose analyzer closed, kept for the next one: a new worker takes
 * tens of ms of CPU to start and runs the analysis unoptimised until its JIT
 * has warmed up, which a process that runs one pipeline after another (the
 * benches, the tests) would pay again for every run.
 */
const idleWorkers: Worker[] = [];
const MAX_IDLE_WORKERS = 2;

/** A worker running the analysis over `data`'s ring: an idle one, or a new one. */
function acquireWorker(data: TcpWorkerData): Worker {
  const idle = idleWorkers.pop();
  if (idle !== undefined) {
    idle.postMessage(data);
    return idle;
  }
  const w = new Worker(new URL('./tcp-analysis-worker.js', import.meta.url), { workerData: data });
  w.unref();
  // A worker that failed or exited is never reused.
  const drop = (): void => {
    const i = idleWorkers.indexOf(w);
    if (i >= 0) idleWorkers.splice(i, 1);
  };
  w.on('error', drop);
  w.on('exit', drop);
  return w;
}

/** Takes back the worker of a closed analyzer (it ends its loop, then waits for the next ring). */
function releaseWorker(w: Worker): void {
  if (idleWorkers.length < MAX_IDLE_WORKERS) idleWorkers.push(w);
  else void w.terminate();
}

export class TcpAnalyzer {
  private readonly q: SharedTcpQueue;
  private readonly mask: number;
  /** Inline mode's analysis (null when threaded). */
  private readonly core: TcpAnalysisCore | null;
  private readonly worker: Worker | null;
  private readonly hsRtt: LogHistogram;
  private readonly dRtt: LogHistogram;
  /** Segments queued (written to the ring) so far, and how many were handed over (published, or analysed inline). */
  private written = 0;
  private handed = 0;
  /** Segments that may still be written before the next hand-over. */
  private room = QUEUE;
  private samplesRead = 0;
  private observer: ((kind: 'handshake' | 'data', seconds: number) => void) | null = null;
  private closed = false;
  /** The worker's error, if it failed. */
  private failure: unknown = null;
  private readonly onWorkerError = (e: unknown): void => {
    this.failure = e;
  };
  private readonly onWorkerExit = (code: number): void => {
    this.failure ??= new Error(`it exited (code ${code})`);
  };

  constructor(maxConnections = 100_000, opts: TcpAnalyzerOptions = {}) {
    if (maxConnections < 1) throw new RangeError('maxConnections must be >= 1');
    const threaded = opts.thread === true;
    const ringSlots = threaded ? RING : QUEUE;
    const sampleSlots = threaded ? SAMPLES : 1;
    const bytes = layout(ringSlots, sampleSlots).bytes;
    const buf = threaded ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    this.q = sharedViews(buf, ringSlots, sampleSlots);
    this.mask = ringSlots - 1;
    // Initialised before a worker starts, so a read before its first batch sees zeros.
    [this.hsRtt, this.dRtt] = resultHistograms(this.q.res, true);
    if (threaded) {
      const data: TcpWorkerData = { buf: buf as SharedArrayBuffer, ringSlots, sampleSlots, maxConnections };
      this.worker = acquireWorker(data);
      // A failure is reported by the next read (see waitFor).
      this.worker.on('error', this.onWorkerError);
      this.worker.on('exit', this.onWorkerExit);
      orphans.register(this, this.worker, this);
      this.core = null;
    } else {
      this.worker = null;
      this.core = new TcpAnalysisCore(maxConnections, this.q.res, (kind, v) => this.observer?.(kind === RTT_HANDSHAKE ? 'handshake' : 'data', v));
    }
  }

  /** True when the analysis runs in a worker thread. */
  get threaded(): boolean {
    return this.worker !== null;
  }

  /** Observer of RTT samples (Prometheus histograms): called once per sample, in order, on this thread. */
  get onRtt(): ((kind: 'handshake' | 'data', seconds: number) => void) | null {
    return this.observer;
  }

  set onRtt(f: ((kind: 'handshake' | 'data', seconds: number) => void) | null) {
    // Segments queued before now are analysed for the observer before, as they would be inline.
    this.flush();
    this.observer = f;
    if (this.worker !== null) Atomics.store(this.q.ctl, C_WANT_SAMPLES, f === null ? 0 : 1);
  }

  get size(): number {
    this.flush();
    return this.q.res[R_SIZE]!;
  }

  get handshakeRtt(): LogHistogram {
    this.flush();
    return this.hsRtt;
  }

  get dataRtt(): LogHistogram {
    this.flush();
    return this.dRtt;
  }

  get totals(): TcpTotals {
    this.flush();
    const r = this.q.res;
    return {
      connections: r[R_CONNECTIONS]!,
      handshakes: r[R_HANDSHAKES]!,
      retransmissions: r[R_RETRANSMISSIONS]!,
      outOfOrder: r[R_OUT_OF_ORDER]!,
      zeroWindows: r[R_ZERO_WINDOWS]!,
      resets: r[R_RESETS]!,
      evicted: r[R_EVICTED]!,
    };
  }

  /**
   * Queues one TCP segment of `l`, whose address keys (util/addr-key.ts) are
   * `sk` and `dk`, seen at packet time tsSec + tsNsec, for analysis.
   */
  onSegment(l: Layers, sk: number, dk: number, tsSec: number, tsNsec: number): void {
    const b = (this.written & this.mask) * SLOT_F64;
    const d = this.q.ring;
    const u = this.q.ringWords;
    d[b + S_SK] = sk;
    d[b + S_DK] = dk;
    d[b + S_SEC] = tsSec;
    const w = b * 2;
    u[w + S_NSEC] = tsNsec;
    u[w + S_PORTS] = (l.sport << 16) | l.dport;
    u[w + S_SEQ] = l.tcpSeq;
    u[w + S_ACK] = l.tcpAck;
    u[w + S_LEN] = l.payloadLen;
    u[w + S_FLAGS_WIN] = l.tcpFlags | (l.tcpWindow << FLAG_BITS);
    this.written = (this.written + 1) | 0;
    if (--this.room === 0) this.handOver();
  }

  /** Hands the queued segments to the analysis, and makes room for QUEUE more. */
  private handOver(): void {
    if (this.closed) throw new Error('TcpAnalyzer: segment after close()');
    const core = this.core;
    if (core !== null) {
      const { ring, ringWords } = this.q;
      for (let i = this.handed; i !== this.written; i = (i + 1) | 0) core.analyse(ring, ringWords, i & this.mask);
      this.handed = this.written;
      this.room = QUEUE;
      return;
    }
    const ctl = this.q.ctl;
    this.handed = this.written;
    Atomics.store(ctl, C_WRITE, this.written);
    // A busy worker polls (see the worker): waking a thread costs the waker several µs (an interrupt to the other core, in a VM a VM exit).
    if (Atomics.load(ctl, C_SLEEPING) !== 0) Atomics.notify(ctl, C_WRITE);
    // The next QUEUE slots must have been analysed (the ring is RING slots).
    const limit = (this.written + QUEUE - this.q.ringSlots) | 0;
    if (((Atomics.load(ctl, C_READ) - limit) | 0) < 0) this.waitFor(limit);
    this.room = QUEUE;
  }

  /** Analyses every queued segment (and passes their RTT samples to `onRtt`) before returning. */
  flush(): void {
    if (this.written !== this.handed) this.handOver();
    if (this.worker !== null) this.waitFor(this.written);
  }

  /**
   * Waits until the worker has analysed `count` segments, passing on RTT
   * samples meanwhile (the worker waits for room for them). Throws when the
   * worker failed or made no progress for STUCK_MS.
   */
  private waitFor(count: number): void {
    const ctl = this.q.ctl;
    let last = Atomics.load(ctl, C_READ);
    let since = Date.now();
    for (;;) {
      if (Atomics.load(ctl, C_FAILED) !== 0 || this.failure !== null) throw new Error(`TcpAnalyzer: the analysis thread failed: ${String(this.failure ?? 'see its error')}`);
      this.drainSamples();
      const read = Atomics.load(ctl, C_READ);
      if (((read - count) | 0) >= 0) break;
      if (read !== last) {
        last = read;
        since = Date.now();
      } else if (Date.now() - since > STUCK_MS) throw new Error(`TcpAnalyzer: the analysis thread made no progress for ${STUCK_MS / 1000} s`);
      // Woken by the worker's next batch (or a sample waiting for room); the time-out bounds a missed wake-up.
      Atomics.notify(ctl, C_WRITE);
      Atomics.wait(ctl, C_READ, read, 1);
    }
    this.drainSamples();
  }

  /** Passes the worker's pending RTT samples to the observer, in order, and frees their room. */
  private drainSamples(): void {
    const ctl = this.q.ctl;
    const end = Atomics.load(ctl, C_SAMPLE_WRITE);
    if (end === this.samplesRead) return;
    const s = this.q.samples;
    const f = this.observer;
    const mask = this.q.sampleSlots - 1;
    for (let i = this.samplesRead; i !== end; i = (i + 1) | 0) {
      const o = (i & mask) * 2;
      f?.(s[o] === RTT_HANDSHAKE ? 'handshake' : 'data', s[o + 1]!);
    }
    this.samplesRead = end;
    Atomics.store(ctl, C_SAMPLE_READ, end);
    Atomics.notify(ctl, C_SAMPLE_READ);
  }

  /**
   * Analyses what is queued, then ends the worker's work on this analyzer
   * (the results stay readable; the worker waits for the next analyzer).
   * Segments after this throw. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    // The next segment goes straight to handOver, which refuses it.
    this.room = 1;
    if (this.worker !== null) {
      Atomics.store(this.q.ctl, C_CLOSE, 1);
      Atomics.notify(this.q.ctl, C_WRITE);
      orphans.unregister(this);
      this.worker.off('error', this.onWorkerError);
      this.worker.off('exit', this.onWorkerExit);
      if (this.failure === null) releaseWorker(this.worker);
    }
  }
}
