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
 * Layout: every connection is one 16-double record in a Float64Array (two
 * cache lines, no objects for the GC to trace or the CPU to chase), found
 * through an open-addressing index (linear probing over an Int32Array of
 * (record number, full hash) pairs: a probe reads the hash from the same cache
 * line as the slot, and touches a record only when the hash matches). Records are handed out in
 * insertion order and never freed except by eviction, so once the table is
 * full the oldest record is simply the next one in a circular order: the
 * eviction queue needs no storage of its own.
 */
import { TcpFlag, type Layers } from '../decode/packet.js';
import { LogHistogram } from './histogram.js';
import type { TcpCounts } from './snapshot.js';

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

export interface TcpTotals extends TcpCounts {
  /** Connections dropped from the bounded table to make room. */
  evicted: number;
}

export class TcpAnalyzer {
  /** Connection records, STRIDE doubles each. */
  private rec: Float64Array;
  /** Full hash of each record (to find its index slot when it is evicted). */
  private recHash: Int32Array;
  /** Records the arrays hold room for (grows by doubling up to maxConnections). */
  private recCap: number;
  /** Open-addressing index, two words a slot: record number + 1 (0 = empty) and the record's hash. Always at most half full. */
  private index: Int32Array;
  private mask: number;
  private count = 0;
  /** Once the table is full: the record to evict next (records are in insertion order, circularly). */
  private oldest = 0;
  readonly handshakeRtt = new LogHistogram();
  readonly dataRtt = new LogHistogram();
  private connections = 0;
  private handshakes = 0;
  private retransmissions = 0;
  private outOfOrder = 0;
  private zeroWindows = 0;
  private resets = 0;
  private evicted = 0;
  /** Record offset of the latest segment's connection (its key fields are compared before use: eviction may have reused it). */
  private lastRec = 0;
  /** Set after `onSegment` when the last segment was a retransmission (for callers that tag packets). */
  lastWasRetransmission = false;
  /** Optional observer of RTT samples (Prometheus histograms); called once per sample, not per packet. */
  onRtt: ((kind: 'handshake' | 'data', seconds: number) => void) | null = null;

  constructor(private readonly maxConnections = 100_000) {
    if (maxConnections < 1) throw new RangeError('maxConnections must be >= 1');
    this.recCap = Math.min(maxConnections, INITIAL_RECORDS);
    this.rec = new Float64Array(this.recCap * STRIDE);
    this.recHash = new Int32Array(this.recCap);
    this.index = new Int32Array(indexSizeFor(this.recCap) * 2);
    this.mask = this.index.length / 2 - 1;
    // Until record 0 is used, `lastRec` points at it: a NaN key matches no segment.
    this.rec[A_KEY] = NaN;
  }

  get size(): number {
    return this.count;
  }

  get totals(): TcpTotals {
    return {
      connections: this.connections,
      handshakes: this.handshakes,
      retransmissions: this.retransmissions,
      outOfOrder: this.outOfOrder,
      zeroWindows: this.zeroWindows,
      resets: this.resets,
      evicted: this.evicted,
    };
  }

  /**
   * Analyses one TCP segment of `l`, whose address keys (util/addr-key.ts)
   * are `sk` and `dk`, seen at packet time tsSec + tsNsec (two integers, so
   * the call boxes no double).
   */
  onSegment(l: Layers, sk: number, dk: number, tsSec: number, tsNsec: number): void {
    this.lastWasRetransmission = false;
    const sport = l.sport;
    const dport = l.dport;
    // Consecutive segments mostly belong to the same connection (a request and
    // its answer, a burst): check the previous one before hashing.
    let c = this.lastRec;
    if (!sameConnection(this.rec, c, sk, sport, dk, dport)) c = this.lastRec = this.lookup(sk, sport, dk, dport);
    // Read after the look-up: inserting may have grown (replaced) the array.
    const rec = this.rec;
    const flags = l.tcpFlags;
    const fromA = rec[c + A_KEY] === sk && rec[c + PORTS]! >>> 16 === sport;
    const side = c + (fromA ? SIDE_A : SIDE_B);
    const other = c + (fromA ? SIDE_B : SIDE_A);
    if ((flags & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST)) !== 0 || l.payloadLen !== 0) {
      this.onSequenced(l, c, side, other, flags, tsSec + tsNsec / 1e9);
      return;
    }
    // A segment without sequence space (a bare ACK, mostly): of the analysis
    // below, only the handshake's last step, the window and the RTT apply.
    const ack = (flags & TcpFlag.ACK) !== 0;
    if (ack && rec[c + IRTT]! < 0 && rec[side + SYN_TIME]! >= 0 && (rec[other + FLAGS]! & SENT_SYN_ACK) !== 0) {
      this.completeHandshake(c, side, tsSec + tsNsec / 1e9);
    }
    if (l.tcpWindow === 0) this.zeroWindows++;
    if (ack && rec[other + PROBE_TIME]! >= 0) this.ackProbe(other, l.tcpAck, tsSec + tsNsec / 1e9);
  }

  /** The analysis of a segment with SYN, FIN or RST set, or carrying data (`time` is its packet time). */
  private onSequenced(l: Layers, c: number, side: number, other: number, flags: number, time: number): void {
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
    if ((flags & TcpFlag.RST) !== 0) this.resets++;
    if (l.tcpWindow === 0 && !syn && (flags & (TcpFlag.RST | TcpFlag.FIN)) === 0) this.zeroWindows++;

    // Sequence analysis.
    const seglen = l.payloadLen;
    const seqSpace = seglen + (syn ? 1 : 0) + ((flags & TcpFlag.FIN) !== 0 ? 1 : 0);
    const seq = l.tcpSeq;
    if (seqSpace > 0 && (flags & TcpFlag.RST) === 0) {
      const end = (seq + seqSpace) >>> 0;
      const hasNext = (rec[side + FLAGS]! & HAS_NEXT) !== 0;
      const nextSeq = rec[side + NEXT_SEQ]!;
      if (hasNext && seqLt(seq, nextSeq)) {
        const keepAlive = seglen <= 1 && !syn && (flags & TcpFlag.FIN) === 0 && ((seq + 1) >>> 0) === nextSeq;
        if (!keepAlive) {
          const irtt = rec[c + IRTT]!;
          const thres = irtt > 0 ? irtt : OOO_DEFAULT;
          if (time - rec[side + LAST_SEG_TIME]! < thres && nextSeq !== end) this.outOfOrder++;
          else {
            this.retransmissions++;
            this.lastWasRetransmission = true;
          }
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
    if (ack && rec[other + PROBE_TIME]! >= 0) this.ackProbe(other, l.tcpAck, time);
  }

  /** The SYN sender's ACK completed the handshake of record `c` at `time`. */
  private completeHandshake(c: number, side: number, time: number): void {
    const irtt = time - this.rec[side + SYN_TIME]!;
    this.rec[c + IRTT] = irtt;
    this.handshakeRtt.add(irtt);
    if (this.onRtt !== null) this.onRtt('handshake', irtt);
    this.handshakes++;
  }

  /** An ACK (number `ackNo`, at `time`) toward side `other`, which has an RTT probe pending: a sample if it covers the probe. */
  private ackProbe(other: number, ackNo: number, time: number): void {
    const rec = this.rec;
    if (seqLt(ackNo, rec[other + PROBE_END]!)) return;
    const rtt = time - rec[other + PROBE_TIME]!;
    this.dataRtt.add(rtt);
    if (this.onRtt !== null) this.onRtt('data', rtt);
    rec[other + PROBE_TIME] = -1;
  }

  /** Record offset of the connection sk:sp ↔ dk:dp, added (evicting the oldest at a full table) when new. */
  private lookup(sk: number, sp: number, dk: number, dp: number): number {
    const hash = connHash(sk, sp, dk, dp);
    const c = this.find(hash, sk, sp, dk, dp);
    return c >= 0 ? c : this.insert(hash, sk, sp, dk, dp);
  }

  /** Offset of the connection's record in `rec`, or -1. */
  private find(hash: number, sk: number, sp: number, dk: number, dp: number): number {
    const index = this.index;
    const mask = this.mask;
    const rec = this.rec;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const r = index[2 * i]! - 1;
      if (r < 0) return -1;
      if (index[2 * i + 1] !== hash) continue;
      const c = r * STRIDE;
      if (sameConnection(rec, c, sk, sp, dk, dp)) return c;
    }
  }

  /** Adds a connection (evicting the oldest at a full table); returns its record offset. */
  private insert(hash: number, sk: number, sp: number, dk: number, dp: number): number {
    let r: number;
    if (this.count < this.maxConnections) {
      if (this.count === this.recCap) this.grow();
      r = this.count++;
    } else {
      r = this.oldest;
      this.oldest = r + 1 === this.maxConnections ? 0 : r + 1;
      this.unindex(r);
      this.evicted++;
    }
    const rec = this.rec;
    const c = r * STRIDE;
    rec[c + A_KEY] = sk;
    rec[c + B_KEY] = dk;
    rec[c + PORTS] = sp * 65536 + dp;
    rec[c + IRTT] = -1;
    clearSide(rec, c + SIDE_A);
    clearSide(rec, c + SIDE_B);
    this.recHash[r] = hash;
    this.place(r, hash);
    this.connections++;
    return c;
  }

  /** Puts record `r` (of hash `hash`) in the index at the first free slot of its probe sequence. */
  private place(r: number, hash: number): void {
    const index = this.index;
    const mask = this.mask;
    let i = hash & mask;
    while (index[2 * i] !== 0) i = (i + 1) & mask;
    index[2 * i] = r + 1;
    index[2 * i + 1] = hash;
  }

  /** Removes record `r` from the index, shifting later entries of the cluster back (no tombstones). */
  private unindex(r: number): void {
    const index = this.index;
    const mask = this.mask;
    let i = this.recHash[r]! & mask;
    while (index[2 * i] !== r + 1) i = (i + 1) & mask;
    for (let j = (i + 1) & mask; index[2 * j] !== 0; j = (j + 1) & mask) {
      const home = index[2 * j + 1]! & mask;
      // Entry j may move to the hole at i unless its home lies cyclically in (i, j].
      if (((j - home) & mask) >= ((j - i) & mask)) {
        index[2 * i] = index[2 * j]!;
        index[2 * i + 1] = index[2 * j + 1]!;
        i = j;
      }
    }
    index[2 * i] = 0;
  }

  private grow(): void {
    const cap = Math.min(this.maxConnections, this.recCap * 2);
    const rec = new Float64Array(cap * STRIDE);
    rec.set(this.rec);
    const recHash = new Int32Array(cap);
    recHash.set(this.recHash);
    this.rec = rec;
    this.recHash = recHash;
    this.recCap = cap;
    this.index = new Int32Array(indexSizeFor(cap) * 2);
    this.mask = this.index.length / 2 - 1;
    for (let r = 0; r < this.count; r++) this.place(r, recHash[r]!);
  }
}

function clearSide(rec: Float64Array, s: number): void {
  rec[s + SYN_TIME] = -1;
  rec[s + FLAGS] = 0;
  rec[s + NEXT_SEQ] = 0;
  rec[s + LAST_SEG_TIME] = 0;
  rec[s + PROBE_END] = 0;
  rec[s + PROBE_TIME] = -1;
}

/** Index slots for `records` records: a power of two at least twice as large (short probe sequences). */
function indexSizeFor(records: number): number {
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

/** Direction-independent 30-bit hash of a TCP connection: the sum of the two endpoints' hashes. */
function connHash(sk: number, sp: number, dk: number, dp: number): number {
  return (endpointHash(sk, sp) + endpointHash(dk, dp)) & 0x3fffffff;
}

/**
 * Hash of one endpoint, fully avalanched (murmur3's finaliser): the index
 * takes the low bits, and endpoints that differ only in a port's high bits
 * (loopback traffic: one address, many ports) must still spread over them.
 */
function endpointHash(k: number, port: number): number {
  const lo = k >>> 0;
  // IPv6 keys carry hash bits above 2^32 (see util/addr-key.ts).
  const hi = k > 4294967295 ? (k / 4294967296) >>> 0 : 0;
  let h = lo ^ Math.imul(hi, 0x9e3779b1) ^ Math.imul(port + 1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
