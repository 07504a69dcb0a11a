/**
 * The monitor's TCP analysis (tcp-analysis.ts) as the packet path sees it:
 * `onSegment` only queues the segment's numbers; the analysis runs over the
 * queue later, in a batch. The same queue carries every other IP packet's
 * addresses and port (`onHost`) for the top talkers and ports (host-tables.ts),
 * which the analysis feeds in packet order; `syncHosts` makes them readable.
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
 * caller's thread, QUEUE ring slots at a time, which keeps the table and the
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
import type { Layers } from '../decode/packet.js';
import { RING_CONTROL_WORDS, RingProducer, WorkerPool } from '../util/ring-thread.js';
import type { LogHistogram } from './histogram.js';
import { TCP_MIX_WORDS, tcpAppCode } from './protocol-mix.js';
import { HostTables, hostTableBuffers, type HostTableBuffers } from './host-tables.js';
import { SpaceSaving } from './topk.js';
import type { TcpCounts } from './snapshot.js';
import { dstKey, srcKey } from '../util/addr-key.js';
import {
  APP_SHIFT, COMPACT_LEN_MAX, COMPACT_NSEC_MAX, FLAG_BITS, K_FULL, K_HOST, K_HOST6, K_PAD, K_SYNC, S_ACK, S_HOST_FRAME, S_HOST_PORT, S_DK, S_DK32, S_FLAGS_WIN, S_FRAME, S_KIND_NSEC,
  S_LEN, S_LENS, S_NSEC, S_PORTS, S_SEC, S_SEQ, S_SK, S_SK32, SLOT_WORDS, R_MIX,
  R_CONNECTIONS, R_EVICTED, R_HANDSHAKES, R_OUT_OF_ORDER, R_RESETS, R_RETRANSMISSIONS, R_SIZE, R_ZERO_WINDOWS,
  RESULT_WORDS, RTT_HANDSHAKE, TcpAnalysisCore, resultHistograms,
} from './tcp-analysis.js';

/** Ring slots between two hand-overs to the analysis (a segment takes one or two, tcp-analysis.ts). */
const QUEUE = 256;
/** Ring slots of the threaded queue: the worker may lag this far behind (a power of two, a multiple of QUEUE). */
const RING = 4096;
/** RTT samples the worker may hold for the packet thread (a power of two). */
const SAMPLES = 1024;

// Control words (Int32, shared) after the ring's own (util/ring-thread.ts: write and read counts, close, failure, sleep).
/** 1 while someone observes RTT samples. */
export const C_WANT_SAMPLES = RING_CONTROL_WORDS;
export const C_SAMPLE_WRITE = RING_CONTROL_WORDS + 1;
export const C_SAMPLE_READ = RING_CONTROL_WORDS + 2;
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
    ring: new Float64Array(buf, at.ring, (ringSlots * SLOT_WORDS) / 2),
    ringWords: new Uint32Array(buf, at.ring, ringSlots * SLOT_WORDS),
    res: new Float64Array(buf, at.res, RESULT_WORDS),
    samples: new Float64Array(buf, at.samples, sampleSlots * 2),
    ringSlots,
    sampleSlots,
  };
}

/** Byte offsets of the ring, the results and the samples (after the control words), and the bytes in all. */
function layout(ringSlots: number, sampleSlots: number): { ring: number; res: number; samples: number; bytes: number } {
  const ring = CONTROL_WORDS * 4;
  const res = ring + ringSlots * SLOT_WORDS * 4;
  const samples = res + RESULT_WORDS * 8;
  return { ring, res, samples, bytes: samples + sampleSlots * 2 * 8 };
}

/** What the worker is started with. */
export interface TcpWorkerData {
  buf: SharedArrayBuffer;
  ringSlots: number;
  sampleSlots: number;
  maxConnections: number;
  /** Capacity of the top talkers and ports tables, and their (shared) memory. */
  topCapacity: number;
  hostBufs: HostTableBuffers;
}

export interface TcpTotals extends TcpCounts {
  /** Connections dropped from the bounded table to make room. */
  evicted: number;
}

export interface TcpAnalyzerOptions {
  /** Run the analysis in a worker thread (default false: inline). */
  thread?: boolean;
  /** Capacity of the top talkers and ports tables (default 1000; error bound: total / capacity). */
  topCapacity?: number;
}

/** Writes the words both kinds of record share, of segment `l`, at `u[w...]`; `kindNsec` as S_KIND_NSEC holds it. */
function writeSegment(u: Uint32Array, w: number, l: Layers, kindNsec: number): void {
  u[w + S_PORTS] = (l.sport << 16) | l.dport;
  u[w + S_SEQ] = l.tcpSeq;
  u[w + S_KIND_NSEC] = kindNsec;
  u[w + S_ACK] = l.tcpAck;
  u[w + S_FLAGS_WIN] = l.tcpFlags | (l.tcpWindow << FLAG_BITS) | (tcpAppCode(l) << APP_SHIFT);
}

/** Writes the IPv6 source and destination words of `l` at `u[w...]` (one slot: the address-word slot of a record). */
function writeAddresses(u: Uint32Array, w: number, l: Layers): void {
  u.set(l.src6, w);
  u.set(l.dst6, w + 4);
}

/** Workers of closed analyzers, kept for the next one (util/ring-thread.ts). */
const pool = new WorkerPool<TcpWorkerData>(new URL('./tcp-analysis-worker.js', import.meta.url), 2);

export class TcpAnalyzer {
  private readonly q: SharedTcpQueue;
  private readonly mask: number;
  /** Inline mode's analysis (null when threaded). */
  private readonly core: TcpAnalysisCore | null;
  /** The worker's side of the ring (null inline). */
  private readonly producer: RingProducer | null;
  private readonly hsRtt: LogHistogram;
  private readonly dRtt: LogHistogram;
  /** Top talkers and ports: views of the analysis' tables, read after syncHosts. */
  private readonly talkerView: SpaceSaving;
  private readonly portView: SpaceSaving;
  /** Slots written to the ring so far, and how many were handed over (published, or analysed inline). */
  private written = 0;
  private handed = 0;
  /** Slots that may still be written before the next hand-over. */
  private room = QUEUE;
  /** Seconds of the latest full record queued: a compact record is of the same second (NaN: none yet). */
  private sentSec = NaN;
  private samplesRead = 0;
  /** `written` right after the last sync of the host tables (-1: none yet). */
  private syncedAt = -1;
  private observer: ((kind: 'handshake' | 'data', seconds: number) => void) | null = null;
  private closed = false;
  private readonly drain = (): void => this.drainSamples();

  constructor(maxConnections = 100_000, opts: TcpAnalyzerOptions = {}) {
    if (maxConnections < 1) throw new RangeError('maxConnections must be >= 1');
    const threaded = opts.thread === true;
    const topCapacity = opts.topCapacity ?? 1000;
    const hostBufs = hostTableBuffers(topCapacity, threaded);
    this.talkerView = new SpaceSaving(topCapacity, hostBufs.talkers);
    this.portView = new SpaceSaving(topCapacity, hostBufs.ports);
    const ringSlots = threaded ? RING : QUEUE;
    const sampleSlots = threaded ? SAMPLES : 1;
    const bytes = layout(ringSlots, sampleSlots).bytes;
    const buf = threaded ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    this.q = sharedViews(buf, ringSlots, sampleSlots);
    this.mask = ringSlots - 1;
    // Initialised before a worker starts, so a read before its first batch sees zeros.
    [this.hsRtt, this.dRtt] = resultHistograms(this.q.res, true);
    if (threaded) {
      const data: TcpWorkerData = { buf: buf as SharedArrayBuffer, ringSlots, sampleSlots, maxConnections, topCapacity, hostBufs };
      // A failure of the worker is reported by the next read (RingProducer.waitFor throws).
      this.producer = new RingProducer(this.q.ctl, ringSlots, pool.acquire(data), pool as WorkerPool<unknown>, 'TcpAnalyzer: the analysis thread');
      this.core = null;
    } else {
      this.producer = null;
      const hosts = new HostTables(topCapacity, hostBufs);
      this.core = new TcpAnalysisCore(maxConnections, this.q.res, (kind, v) => this.observer?.(kind === RTT_HANDSHAKE ? 'handshake' : 'data', v), hosts);
    }
  }

  /** True when the analysis runs in a worker thread. */
  get threaded(): boolean {
    return this.producer !== null;
  }

  /** Observer of RTT samples (Prometheus histograms): called once per sample, in order, on this thread. */
  get onRtt(): ((kind: 'handshake' | 'data', seconds: number) => void) | null {
    return this.observer;
  }

  set onRtt(f: ((kind: 'handshake' | 'data', seconds: number) => void) | null) {
    // Segments queued before now are analysed for the observer before, as they would be inline.
    this.flush();
    this.observer = f;
    if (this.producer !== null) Atomics.store(this.q.ctl, C_WANT_SAMPLES, f === null ? 0 : 1);
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

  /** The top talkers (by bytes, packets alongside) of every packet queued so far: valid until the next packet. */
  get talkers(): SpaceSaving {
    this.syncHosts();
    return this.talkerView;
  }

  /** The top ports (by packets, bytes alongside) of every packet queued so far: valid until the next packet. */
  get ports(): SpaceSaving {
    this.syncHosts();
    return this.portView;
  }

  /** Has the analysis add every queued packet to the host tables and commit them, and waits for it. */
  private syncHosts(): void {
    // Nothing queued since the last sync (a snapshot reads both tables), or closed (closing synced them).
    if (this.written === this.syncedAt || this.closed) return;
    this.reserve(1);
    this.q.ringWords[(this.written & this.mask) * SLOT_WORDS + S_KIND_NSEC] = K_SYNC;
    this.advance(1);
    this.flush();
    this.syncedAt = this.written;
  }

  /**
   * The protocol mix's TCP share (protocol-mix.ts addTcpMix) of the segments
   * queued so far; a view of the results, valid until the next segment.
   */
  get mixCounts(): Float64Array {
    this.flush();
    return this.q.res.subarray(R_MIX, R_MIX + TCP_MIX_WORDS);
  }

  /**
   * Queues one TCP segment of `l`, whose address keys (util/addr-key.ts) are
   * `sk` and `dk`, seen at packet time tsSec + tsNsec in a frame of
   * `frameLen` bytes, for analysis (and for the protocol mix's TCP share).
   */
  onSegment(l: Layers, sk: number, dk: number, tsSec: number, tsNsec: number, frameLen: number): void {
    const len = l.payloadLen;
    // As a Uint32Array stores them (a full record's words): a compact record holds the same values.
    const ns = tsNsec >>> 0;
    if (tsSec !== this.sentSec || l.ipVersion !== 4 || ns > COMPACT_NSEC_MAX || (len | frameLen) >>> 0 > COMPACT_LEN_MAX) {
      this.fullRecord(l, sk, dk, tsSec, tsNsec, frameLen);
      return;
    }
    const u = this.q.ringWords;
    const w = (this.written & this.mask) * SLOT_WORDS;
    writeSegment(u, w, l, ns);
    u[w + S_LENS] = len | (frameLen << 16);
    u[w + S_SK32] = sk;
    u[w + S_DK32] = dk;
    this.advance(1);
  }

  /**
   * Queues the packet of `l` (IP, not TCP), of `frameLen` bytes and port key
   * `port` (host-tables.ts; 0: none), for the top talkers and ports.
   */
  onHost(l: Layers, frameLen: number, port: number): void {
    const u = this.q.ringWords;
    const v4 = l.ipVersion === 4;
    // IPv6 takes a second slot, its addresses' words (the analysis hashes them into the keys).
    if (!v4) this.reserve(2);
    const w = (this.written & this.mask) * SLOT_WORDS;
    u[w + S_KIND_NSEC] = v4 ? K_HOST : K_HOST6;
    u[w + S_HOST_PORT] = port;
    u[w + S_HOST_FRAME] = frameLen;
    if (v4) {
      u[w + S_SK32] = srcKey(l);
      u[w + S_DK32] = dstKey(l);
    } else writeAddresses(u, w + SLOT_WORDS, l);
    this.advance(v4 ? 1 : 2);
  }

  /** Pads the slots left before the hand-over when fewer than `slots` are (a record never straddles one). */
  private reserve(slots: number): void {
    if (this.room >= slots) return;
    const u = this.q.ringWords;
    while (this.room > 0) {
      u[(this.written & this.mask) * SLOT_WORDS + S_KIND_NSEC] = K_PAD;
      this.written = (this.written + 1) | 0;
      this.room--;
    }
    this.handOver();
  }

  /** Counts `slots` slots written, handing them over when the batch is full. */
  private advance(slots: number): void {
    this.written = (this.written + slots) | 0;
    this.room -= slots;
    if (this.room === 0) this.handOver();
  }

  /** Queues the segment as a full record (two slots, three for IPv6), after padding when too few are left before the hand-over. */
  private fullRecord(l: Layers, sk: number, dk: number, tsSec: number, tsNsec: number, frameLen: number): void {
    const u = this.q.ringWords;
    const v6 = l.ipVersion !== 4;
    this.reserve(v6 ? 3 : 2);
    const w = (this.written & this.mask) * SLOT_WORDS;
    writeSegment(u, w, l, K_FULL);
    u[w + S_LEN] = l.payloadLen;
    u[w + S_FRAME] = frameLen;
    u[w + S_NSEC] = tsNsec;
    const d = this.q.ring;
    const b = (w + SLOT_WORDS) >>> 1;
    d[b + S_SK] = sk;
    d[b + S_DK] = dk;
    d[b + S_SEC] = tsSec;
    this.sentSec = tsSec;
    // The addresses' words, for the top talkers' labels.
    if (v6) writeAddresses(u, w + 2 * SLOT_WORDS, l);
    this.advance(v6 ? 3 : 2);
  }

  /** Hands the queued segments to the analysis, and makes room for QUEUE more. */
  private handOver(): void {
    if (this.closed) throw new Error('TcpAnalyzer: segment after close()');
    const core = this.core;
    if (core !== null) {
      const { ring, ringWords } = this.q;
      core.analyseRange(ring, ringWords, this.handed, this.written, this.mask);
      this.handed = this.written;
      this.room = this.roomToBatchEnd();
      return;
    }
    this.handed = this.written;
    // The next QUEUE slots must have been analysed (the ring is RING slots); samples drain while waiting.
    this.producer!.publish(this.written, QUEUE, this.drain);
    this.room = this.roomToBatchEnd();
  }

  /**
   * Slots up to the next multiple of QUEUE. Hand-overs happen there (a read's
   * flush may hand over earlier), and so at the ring's end: a full record,
   * never split across a hand-over, is never split across the ring's end.
   */
  private roomToBatchEnd(): number {
    return QUEUE - (this.written & (QUEUE - 1));
  }

  /** Analyses every queued segment (and passes their RTT samples to `onRtt`) before returning. */
  flush(): void {
    if (this.written !== this.handed) this.handOver();
    if (this.producer !== null) {
      this.producer.waitFor(this.written, this.drain);
      this.drainSamples();
    }
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
    this.syncHosts();
    this.closed = true;
    // The next segment goes straight to handOver, which refuses it.
    this.room = 1;
    this.producer?.close();
  }
}
