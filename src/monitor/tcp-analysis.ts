/**
 * TCP performance analysis per connection, in the spirit of Wireshark's
 * tcp.analysis: handshake RTT (SYN → SYN/ACK → ACK, reported as the time from
 * the SYN to the ACK that completes the handshake, like `tcp.analysis.initial_rtt`),
 * data/ACK RTT samples (Karn's rule: retransmitted segments give no sample),
 * retransmissions and out-of-order segments (a segment below the next expected
 * sequence number is a retransmission unless it arrived within the initial RTT
 * (or 3 ms) of the previous segment, then it is out of order), zero windows
 * and resets.
 *
 * The table is bounded: at most `maxConnections` entries; the oldest entry is
 * evicted (and counted) when a new connection arrives at a full table.
 *
 * Layout: every connection is one 16-double record (two cache lines, no
 * objects for the GC to trace or the CPU to chase) stored directly in an
 * open-addressing table (linear probing, at most half full): the slot to read
 * follows from the hash alone, so a look-up waits for one memory access, not
 * for an index entry and then the record it points to. Insertion order, for
 * eviction, is a ring of the connections' keys, touched only when a
 * connection is added or evicted.
 *
 * This file is the analysis alone (TcpAnalysisCore), which also feeds every
 * IP packet's addresses and port to the top talkers and ports (HostTables,
 * host-tables.ts), in packet order. TcpAnalyzer (tcp-analyzer.ts) queues the
 * segments and packets and runs it, in a worker thread or in the caller's.
 */
import { TcpFlag } from '../decode/packet.js';
import { isV6Key, v6Key } from '../util/addr-key.js';
import { HostTables, PORT_TCP, portKey } from './host-tables.js';
import { LogHistogram } from './histogram.js';
import { addTcpMix, TCP_MIX_WORDS } from './protocol-mix.js';

const OOO_DEFAULT = 0.003;

// Record layout (offsets in doubles): the two endpoints, the handshake RTT,
// then one block per side (A = the endpoint that sent the first segment seen).
const A_KEY = 0;
const B_KEY = 1;
/** aPort * 65536 + bPort. */
const PORTS = 2;
/** Initial (handshake) RTT in seconds, or -1 until measured. */
const IRTT = 3;
const SIDE_A = 4;
const SIDE_B = 10;
const STRIDE = 16;
// Per-side fields, relative to SIDE_A / SIDE_B.
/** Time of this side's latest bare SYN, or -1. */
const SYN_TIME = 0;
/** Bits: SENT_SYN_ACK, HAS_NEXT. */
const FLAGS = 1;
/** Next expected sequence number (valid when HAS_NEXT). */
const NEXT_SEQ = 2;
const LAST_SEG_TIME = 3;
/** One outstanding segment for an RTT sample: end sequence and send time (-1 = none). */
const PROBE_END = 4;
const PROBE_TIME = 5;
const SENT_SYN_ACK = 1;
const HAS_NEXT = 2;

const INITIAL_RECORDS = 1024;

// A segment to analyse, as TcpAnalyzer queues it: a record of one to three
// 32-byte slots (two to a cache line; the ring starts on a line), read
// through a Uint32Array and a Float64Array over the same memory. The common
// segment (IPv4, in the same second as the record before it, lengths below
// 64 KiB) takes one slot: its second is the last one a full record gave, and
// its address keys (IPv4 keys are 32-bit) and lengths are words. Any other
// takes a full record of two slots (IPv6 keys are 52-bit, seconds any
// double), and a third with the addresses' words when they are IPv6 (for the
// top talkers' labels). Half the bytes of the former one 64-byte slot per
// segment: the ring's writes then evict half as many lines of the rest of the
// pipeline from the packet thread's caches (see docs/monitoring.md). A packet
// that is not TCP takes a host record: its address keys, frame length and
// port key, for the top talkers and ports only (K_HOST, one slot; K_HOST6,
// two: its addresses' words in the second).
/** Uint32 words of a slot (doubles: half as many). */
export const SLOT_WORDS = 8;
// Words of either kind of record (index: slot * SLOT_WORDS + field).
/** sport << 16 | dport. */
export const S_PORTS = 0;
export const S_SEQ = 1;
/** The record's kind (K_* bits) | the packet's nanoseconds in a compact record (below 2^30). */
export const S_KIND_NSEC = 2;
export const S_ACK = 3;
/** TCP flags (9 bits) | window << 9 | the segment's application code for the mix (protocol-mix.ts tcpAppCode) << APP_SHIFT. */
export const S_FLAGS_WIN = 4;
export const FLAG_BITS = 9;
export const APP_SHIFT = FLAG_BITS + 16;
// Compact record (one slot).
/** Payload length | frame length << 16. */
export const S_LENS = 5;
/** The address keys (util/addr-key.ts), IPv4 only: 32-bit integers, read back with `| 0`. */
export const S_SK32 = 6;
export const S_DK32 = 7;
// Full record (two slots): words of its first slot...
export const S_LEN = 5;
/** The frame's length (bytes, for the protocol mix). */
export const S_FRAME = 6;
export const S_NSEC = 7;
// ...and doubles of its second (index: (slot + 1) * SLOT_WORDS / 2 + field).
export const S_SK = 0;
export const S_DK = 1;
/** The packet's seconds (a double: corrupt captures may carry any value); compact records after it are of this second. */
export const S_SEC = 2;
/** Kind of S_KIND_NSEC: a full record, or a padding slot (skipped: a record never straddles a hand-over). */
export const K_FULL = 0x80000000;
export const K_PAD = 0x40000000;
/** Kinds of S_KIND_NSEC: a host record (IPv4 or IPv6), or a request to flush the host tables for a reader (one slot). */
export const K_HOST = K_PAD + 1;
export const K_HOST6 = K_PAD + 2;
export const K_SYNC = K_PAD + 3;
// Host record words (its other words are unused; S_SK32 and S_DK32 as in a compact record).
/** Port key (host-tables.ts; 0: none). */
export const S_HOST_PORT = 0;
/** Frame length (bytes). */
export const S_HOST_FRAME = 5;
/** Largest nanoseconds, payload and frame length a compact record carries. */
export const COMPACT_NSEC_MAX = 0x3fffffff;
export const COMPACT_LEN_MAX = 0xffff;

// The results (offsets in doubles of the results array): counters, then the two RTT histograms.
export const R_CONNECTIONS = 0;
export const R_HANDSHAKES = 1;
export const R_RETRANSMISSIONS = 2;
export const R_OUT_OF_ORDER = 3;
export const R_ZERO_WINDOWS = 4;
export const R_RESETS = 5;
export const R_EVICTED = 6;
/** Connections in the table now. */
export const R_SIZE = 7;
export const R_HANDSHAKE_RTT = 8;
export const R_DATA_RTT = R_HANDSHAKE_RTT + LogHistogram.WORDS;
/** The protocol mix's TCP share (protocol-mix.ts addTcpMix). */
export const R_MIX = R_DATA_RTT + LogHistogram.WORDS;
export const RESULT_WORDS = R_MIX + TCP_MIX_WORDS;

/** The two RTT histograms of a results array (handshake, data), with the results first initialised (all zero) when `init`. */
export function resultHistograms(res: Float64Array, init: boolean): [LogHistogram, LogHistogram] {
  if (res.length !== RESULT_WORDS) throw new RangeError(`the TCP results take ${RESULT_WORDS} words`);
  if (init) {
    res.fill(0, 0, R_HANDSHAKE_RTT);
    res.fill(0, R_MIX);
  }
  return [new LogHistogram(res.subarray(R_HANDSHAKE_RTT, R_DATA_RTT), init), new LogHistogram(res.subarray(R_DATA_RTT, R_MIX), init)];
}

/** RTT sample kinds, as passed to a sample observer. */
export const RTT_HANDSHAKE = 0;
export const RTT_DATA = 1;

/**
 * The analysis proper: the connection table, fed one queued segment at a
 * time (TcpAnalyzer queues them, tcp-analyzer.ts), its results in `res`,
 * which may be shared memory read by another thread.
 */
export class TcpAnalysisCore {
  /** The table: STRIDE doubles a slot; an empty slot has a NaN A_KEY. */
  private rec: Float64Array;
  /** Slots - 1 (a power of two, at least twice the connections it may hold). */
  private mask: number;
  /** Connections the table has room for before it grows (up to maxConnections). */
  private recCap: number;
  private count = 0;
  /** Keys (A_KEY, B_KEY, PORTS) of the connections in insertion order, circularly, from `oldest`. */
  private fifo: Float64Array;
  private oldest = 0;
  private readonly hsRtt: LogHistogram;
  private readonly dRtt: LogHistogram;
  /** Record offset of the latest segment's connection (its keys are compared before use: growing or evicting may have moved records). */
  private lastRec = 0;
  /** The seconds of the latest full record: those of the compact records after it. */
  private sec = 0;

  /**
   * `res`: RESULT_WORDS doubles, initialised here. `onSample`, when given, is
   * called with every RTT sample (RTT_HANDSHAKE or RTT_DATA, seconds), in order.
   * `hosts` takes every queued packet's addresses and port.
   */
  constructor(
    private readonly maxConnections: number,
    private readonly res: Float64Array,
    private readonly onSample: ((kind: number, seconds: number) => void) | null,
    /** The top talkers and ports, fed every queued packet. */
    private readonly hosts: HostTables,
  ) {
    if (maxConnections < 1) throw new RangeError('maxConnections must be >= 1');
    [this.hsRtt, this.dRtt] = resultHistograms(res, true);
    this.recCap = Math.min(maxConnections, INITIAL_RECORDS);
    this.rec = emptyTable(slotsFor(this.recCap));
    this.mask = this.rec.length / STRIDE - 1;
    this.fifo = new Float64Array(this.recCap * 3);
  }

  /**
   * Analyses the records queued in slot counts [from, to) of the ring `d` /
   * `u` (two views of the same memory, `mask` + 1 slots): counts, not
   * indices, as util/ring-thread.ts hands them over. A hand-over ends on a
   * record's end (the producer pads instead of splitting one).
   */
  analyseRange(d: Float64Array, u: Uint32Array, from: number, to: number, mask: number): void {
    for (let i = from; i !== to; ) {
      const slot = i & mask;
      const w = slot * SLOT_WORDS;
      const kind = u[w + S_KIND_NSEC]!;
      if (kind < K_PAD) {
        // Compact: IPv4 keys and lengths as words, the second of the last full record.
        const lens = u[w + S_LENS]!;
        this.analyse(u, w, u[w + S_SK32]! | 0, u[w + S_DK32]! | 0, this.sec, kind, lens & 0xffff, lens >>> 16, -1);
        i = (i + 1) | 0;
      } else if (kind >= K_FULL) {
        const b = (w + SLOT_WORDS) >>> 1;
        this.sec = d[b + S_SEC]!;
        const sk = d[b + S_SK]!;
        const v6 = isV6Key(sk);
        this.analyse(u, w, sk, d[b + S_DK]!, this.sec, u[w + S_NSEC]!, u[w + S_LEN]!, u[w + S_FRAME]!, v6 ? w + 2 * SLOT_WORDS : -1);
        i = (i + (v6 ? 3 : 2)) | 0;
      } else if (kind === K_HOST) {
        this.hosts.add(u[w + S_SK32]! | 0, u[w + S_DK32]! | 0, u[w + S_HOST_FRAME]!, u[w + S_HOST_PORT]!, null, 0);
        i = (i + 1) | 0;
      } else if (kind === K_HOST6) {
        const a = w + SLOT_WORDS;
        this.hosts.add(v6Key(u, a), v6Key(u, a + 4), u[w + S_HOST_FRAME]!, u[w + S_HOST_PORT]!, u, a);
        i = (i + 2) | 0;
      } else {
        if (kind === K_SYNC) this.hosts.flush();
        i = (i + 1) | 0;
      }
    }
  }

  /**
   * Analyses one segment: its words at `u[w...]` (ports, sequence and
   * acknowledgement numbers, flags and window), the rest as the record gave
   * them; its IPv6 addresses' words at `u[addrAt...]` (-1: IPv4).
   */
  private analyse(u: Uint32Array, w: number, sk: number, dk: number, sec: number, nsec: number, seglen: number, frameLen: number, addrAt: number): void {
    const ports = u[w + S_PORTS]!;
    const sport = ports >>> 16;
    const dport = ports & 0xffff;
    this.hosts.add(sk, dk, frameLen, portKey(PORT_TCP, sport, dport), addrAt < 0 ? null : u, addrAt);
    const fw = u[w + S_FLAGS_WIN]!;
    addTcpMix(this.res, R_MIX, isV6Key(sk), fw >>> APP_SHIFT, sport, dport, frameLen);
    // Consecutive segments mostly belong to the same connection (a request and
    // its answer, a burst): check the previous one before hashing.
    let c = this.lastRec;
    if (!sameConnection(this.rec, c, sk, sport, dk, dport)) c = this.lastRec = this.lookup(sk, sport, dk, dport);
    // Read after the look-up: inserting may have grown (replaced) the array.
    const rec = this.rec;
    const flags = fw & ((1 << FLAG_BITS) - 1);
    const win = (fw >>> FLAG_BITS) & 0xffff;
    const time = sec + nsec / 1e9;
    const fromA = rec[c + A_KEY] === sk && rec[c + PORTS]! >>> 16 === sport;
    const side = c + (fromA ? SIDE_A : SIDE_B);
    const other = c + (fromA ? SIDE_B : SIDE_A);
    if ((flags & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST)) !== 0 || seglen !== 0) {
      this.onSequenced(c, side, other, flags, win, seglen, u[w + S_SEQ]!, u[w + S_ACK]!, time);
      return;
    }
    // A segment without sequence space (a bare ACK, mostly): of the analysis
    // below, only the handshake's last step, the window and the RTT apply.
    const ack = (flags & TcpFlag.ACK) !== 0;
    if (ack && rec[c + IRTT]! < 0 && rec[side + SYN_TIME]! >= 0 && (rec[other + FLAGS]! & SENT_SYN_ACK) !== 0) {
      this.completeHandshake(c, side, time);
    }
    if (win === 0) this.res[R_ZERO_WINDOWS]++;
    if (ack && rec[other + PROBE_TIME]! >= 0) this.ackProbe(other, u[w + S_ACK]!, time);
  }

  /** The analysis of a segment that has SYN, FIN or RST set, or carries data (`seglen` bytes), for record `c`. */
  private onSequenced(c: number, side: number, other: number, flags: number, win: number, seglen: number, seq: number, ackNo: number, time: number): void {
    const rec = this.rec;
    // Handshake: SYN from one side, SYN/ACK from the other (in either capture
    // order: taps may reorder them), then the SYN sender's first ACK.
    const syn = (flags & TcpFlag.SYN) !== 0;
    const ack = (flags & TcpFlag.ACK) !== 0;
    // Every bare SYN restarts the clock (a retransmitted SYN is the one answered), as Wireshark does.
    if (syn && !ack) rec[side + SYN_TIME] = time;
    else if (syn && ack) rec[side + FLAGS] = rec[side + FLAGS]! | SENT_SYN_ACK;
    else if (ack && rec[c + IRTT]! < 0 && rec[side + SYN_TIME]! >= 0 && (rec[other + FLAGS]! & SENT_SYN_ACK) !== 0) {
      this.completeHandshake(c, side, time);
    }
    if ((flags & TcpFlag.RST) !== 0) this.res[R_RESETS]++;
    if (win === 0 && !syn && (flags & (TcpFlag.RST | TcpFlag.FIN)) === 0) this.res[R_ZERO_WINDOWS]++;

    // Sequence analysis.
    const seqSpace = seglen + (syn ? 1 : 0) + ((flags & TcpFlag.FIN) !== 0 ? 1 : 0);
    if (seqSpace > 0 && (flags & TcpFlag.RST) === 0) {
      const end = (seq + seqSpace) >>> 0;
      const hasNext = (rec[side + FLAGS]! & HAS_NEXT) !== 0;
      const nextSeq = rec[side + NEXT_SEQ]!;
      if (hasNext && seqLt(seq, nextSeq)) {
        const keepAlive = seglen <= 1 && !syn && (flags & TcpFlag.FIN) === 0 && ((seq + 1) >>> 0) === nextSeq;
        if (!keepAlive) {
          const irtt = rec[c + IRTT]!;
          const thres = irtt > 0 ? irtt : OOO_DEFAULT;
          if (time - rec[side + LAST_SEG_TIME]! < thres && nextSeq !== end) this.res[R_OUT_OF_ORDER]++;
          else this.res[R_RETRANSMISSIONS]++;
          // Karn: a retransmission invalidates the pending RTT probe.
          if (rec[side + PROBE_TIME]! >= 0 && seqLt(seq, rec[side + PROBE_END]!)) rec[side + PROBE_TIME] = -1;
        }
      } else if (rec[side + PROBE_TIME]! < 0) {
        rec[side + PROBE_END] = end;
        rec[side + PROBE_TIME] = time;
      }
      if (!hasNext || seqLt(nextSeq, end)) {
        rec[side + NEXT_SEQ] = end;
        rec[side + FLAGS] = rec[side + FLAGS]! | HAS_NEXT;
      }
      rec[side + LAST_SEG_TIME] = time;
    }
    // Data/ACK RTT: an ACK from this side covering the other side's probe.
    if (ack && rec[other + PROBE_TIME]! >= 0) this.ackProbe(other, ackNo, time);
  }

  /** The SYN sender's ACK completed the handshake of record `c` at `time`. */
  private completeHandshake(c: number, side: number, time: number): void {
    const irtt = time - this.rec[side + SYN_TIME]!;
    this.rec[c + IRTT] = irtt;
    this.hsRtt.add(irtt);
    if (this.onSample !== null) this.onSample(RTT_HANDSHAKE, irtt);
    this.res[R_HANDSHAKES]++;
  }

  /** An ACK (number `ackNo`, at `time`) toward side `other`, which has an RTT probe pending: a sample if it covers the probe. */
  private ackProbe(other: number, ackNo: number, time: number): void {
    const rec = this.rec;
    if (seqLt(ackNo, rec[other + PROBE_END]!)) return;
    const rtt = time - rec[other + PROBE_TIME]!;
    this.dRtt.add(rtt);
    if (this.onSample !== null) this.onSample(RTT_DATA, rtt);
    rec[other + PROBE_TIME] = -1;
  }

  /** Record offset of the connection sk:sp ↔ dk:dp, added (evicting the oldest at a full table) when new. */
  private lookup(sk: number, sp: number, dk: number, dp: number): number {
    const c = this.find(sk, sp, dk, dp);
    return c >= 0 ? c : this.insert(sk, sp, dk, dp);
  }

  /** Offset of the connection's record in `rec`, or -1. */
  private find(sk: number, sp: number, dk: number, dp: number): number {
    const rec = this.rec;
    const mask = this.mask;
    for (let i = connHash(sk, sp, dk, dp) & mask; ; i = (i + 1) & mask) {
      const c = i * STRIDE;
      const ak = rec[c + A_KEY]!;
      if (ak !== ak) return -1;
      if (sameConnection(rec, c, sk, sp, dk, dp)) return c;
    }
  }

  /** Adds a connection (evicting the oldest at a full table); returns its record offset. */
  private insert(sk: number, sp: number, dk: number, dp: number): number {
    let q: number;
    if (this.count < this.maxConnections) {
      if (this.count === this.recCap) this.grow();
      q = (this.oldest + this.count++) % this.recCap;
    } else {
      q = this.oldest;
      this.oldest = q + 1 === this.recCap ? 0 : q + 1;
      const fifo = this.fifo;
      const ports = fifo[q * 3 + 2]!;
      this.remove(this.find(fifo[q * 3]!, ports >>> 16, fifo[q * 3 + 1]!, ports & 0xffff));
      this.res[R_EVICTED]++;
    }
    this.fifo[q * 3] = sk;
    this.fifo[q * 3 + 1] = dk;
    this.fifo[q * 3 + 2] = sp * 65536 + dp;
    const rec = this.rec;
    const mask = this.mask;
    let i = connHash(sk, sp, dk, dp) & mask;
    while (rec[i * STRIDE + A_KEY] === rec[i * STRIDE + A_KEY]) i = (i + 1) & mask;
    const c = i * STRIDE;
    rec[c + A_KEY] = sk;
    rec[c + B_KEY] = dk;
    rec[c + PORTS] = sp * 65536 + dp;
    rec[c + IRTT] = -1;
    clearSide(rec, c + SIDE_A);
    clearSide(rec, c + SIDE_B);
    this.res[R_CONNECTIONS]++;
    this.res[R_SIZE] = this.count;
    return c;
  }

  /** Empties the slot of record `c`, shifting later records of its cluster back (no tombstones). */
  private remove(c: number): void {
    const rec = this.rec;
    const mask = this.mask;
    let i = c / STRIDE;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const cj = j * STRIDE;
      const ak = rec[cj + A_KEY]!;
      if (ak !== ak) break;
      const ports = rec[cj + PORTS]!;
      const home = connHash(ak, ports >>> 16, rec[cj + B_KEY]!, ports & 0xffff) & mask;
      // Record j may move to the hole at i unless its home lies cyclically in (i, j].
      if (((j - home) & mask) >= ((j - i) & mask)) {
        rec.copyWithin(i * STRIDE, cj, cj + STRIDE);
        i = j;
      }
    }
    rec[i * STRIDE + A_KEY] = NaN;
  }

  /** Doubles the room (up to maxConnections): a table twice as large, and the insertion ring unrolled from `oldest`. */
  private grow(): void {
    const cap = Math.min(this.maxConnections, this.recCap * 2);
    const old = this.rec;
    const rec = emptyTable(slotsFor(cap));
    const mask = rec.length / STRIDE - 1;
    for (let c = 0; c < old.length; c += STRIDE) {
      const ak = old[c + A_KEY]!;
      if (ak !== ak) continue;
      const ports = old[c + PORTS]!;
      let i = connHash(ak, ports >>> 16, old[c + B_KEY]!, ports & 0xffff) & mask;
      while (rec[i * STRIDE + A_KEY] === rec[i * STRIDE + A_KEY]) i = (i + 1) & mask;
      rec.set(old.subarray(c, c + STRIDE), i * STRIDE);
    }
    const fifo = new Float64Array(cap * 3);
    for (let k = 0; k < this.count; k++) fifo.set(this.fifo.subarray(((this.oldest + k) % this.recCap) * 3, ((this.oldest + k) % this.recCap) * 3 + 3), k * 3);
    this.rec = rec;
    this.mask = mask;
    this.fifo = fifo;
    this.oldest = 0;
    this.recCap = cap;
  }
}

/** A table of `slots` empty slots. */
function emptyTable(slots: number): Float64Array {
  const rec = new Float64Array(slots * STRIDE);
  for (let c = 0; c < rec.length; c += STRIDE) rec[c + A_KEY] = NaN;
  return rec;
}

function clearSide(rec: Float64Array, s: number): void {
  rec[s + SYN_TIME] = -1;
  rec[s + FLAGS] = 0;
  rec[s + NEXT_SEQ] = 0;
  rec[s + LAST_SEG_TIME] = 0;
  rec[s + PROBE_END] = 0;
  rec[s + PROBE_TIME] = -1;
}

/** Table slots for `records` records: a power of two at least twice as large (short probe sequences). */
function slotsFor(records: number): number {
  let n = 16;
  while (n < records * 2) n *= 2;
  return n;
}

/** True when the record at `c` holds the connection sk:sp ↔ dk:dp (in either direction). */
function sameConnection(rec: Float64Array, c: number, sk: number, sp: number, dk: number, dp: number): boolean {
  const ak = rec[c + A_KEY]!;
  const bk = rec[c + B_KEY]!;
  const ports = rec[c + PORTS]!;
  return (ak === sk && bk === dk && ports === sp * 65536 + dp) || (ak === dk && bk === sk && ports === dp * 65536 + sp);
}

function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/**
 * Direction-independent 30-bit hash of a TCP connection: the endpoints are
 * combined symmetrically (sums and xor), then mixed once with murmur3's
 * finaliser, which avalanches fully: the table takes the low bits, and
 * connections that differ only in a port's high bits (loopback traffic: one
 * address, many ports) must still spread over them. One finaliser, not one
 * per endpoint: this runs for most segments.
 */
function connHash(sk: number, sp: number, dk: number, dp: number): number {
  let h = (foldKey(sk) + foldKey(dk)) ^ Math.imul(sp + dp + 1, 0x85ebca6b) ^ Math.imul(sp ^ dp, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) & 0x3fffffff;
}

/** An address key as 32 bits: IPv6 keys carry hash bits above 2^32 (see util/addr-key.ts). */
function foldKey(k: number): number {
  return k > 4294967295 ? (k >>> 0) ^ Math.imul((k / 4294967296) >>> 0, 0x9e3779b1) : k | 0;
}
