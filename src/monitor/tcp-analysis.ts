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
 */
import { TcpFlag, type Layers } from '../decode/packet.js';
import { srcKey, dstKey } from '../util/addr-key.js';
import { LogHistogram } from './histogram.js';

const OOO_DEFAULT = 0.003;

class Side {
  /** Time of this side's latest bare SYN, or -1. */
  synTime = -1;
  sentSynAck = false;
  nextSeq = 0;
  hasNext = false;
  lastSegTime = 0;
  /** One outstanding segment for an RTT sample: end sequence and send time (-1 = none). */
  probeEnd = 0;
  probeTime = -1;
}

class Conn {
  /** Next connection with the same hash (collision chain). */
  next: Conn | null = null;
  hash = 0;
  aKey = 0;
  aPort = 0;
  bKey = 0;
  bPort = 0;
  irtt = -1;
  readonly a = new Side();
  readonly b = new Side();
}

export interface TcpTotals {
  connections: number;
  handshakes: number;
  retransmissions: number;
  outOfOrder: number;
  zeroWindows: number;
  resets: number;
  evicted: number;
}

export class TcpAnalyzer {
  /** Hash → chain of connections; `order` keeps insertion order for eviction. */
  private readonly conns = new Map<number, Conn>();
  private readonly order: Conn[] = [];
  private orderHead = 0;
  private count = 0;
  readonly handshakeRtt = new LogHistogram();
  readonly dataRtt = new LogHistogram();
  readonly totals: TcpTotals = { connections: 0, handshakes: 0, retransmissions: 0, outOfOrder: 0, zeroWindows: 0, resets: 0, evicted: 0 };
  /** Set after `onSegment` when the last segment was a retransmission (for callers that tag packets). */
  lastWasRetransmission = false;
  /** Optional observer of RTT samples (Prometheus histograms); called once per sample, not per packet. */
  onRtt: ((kind: 'handshake' | 'data', seconds: number) => void) | null = null;

  constructor(private readonly maxConnections = 100_000) {}

  get size(): number {
    return this.count;
  }

  /** Drops the oldest connection (insertion order). */
  private evictOldest(): void {
    const victim = this.order[this.orderHead++]!;
    if (this.orderHead > 4096 && this.orderHead * 2 > this.order.length) {
      this.order.splice(0, this.orderHead);
      this.orderHead = 0;
    }
    let c = this.conns.get(victim.hash) ?? null;
    let prev: Conn | null = null;
    while (c !== null && c !== victim) {
      prev = c;
      c = c.next;
    }
    if (c === null) return;
    if (prev === null) {
      if (c.next === null) this.conns.delete(c.hash);
      else this.conns.set(c.hash, c.next);
    } else prev.next = c.next;
    this.count--;
    this.totals.evicted++;
  }

  onSegment(l: Layers, time: number): void {
    this.lastWasRetransmission = false;
    const sk = srcKey(l);
    const dk = dstKey(l);
    const hash = connHash(sk, l.sport, dk, l.dport);
    let c = this.conns.get(hash) ?? null;
    while (c !== null && !matches(c, sk, l.sport, dk, l.dport)) c = c.next;
    const flags = l.tcpFlags;
    if (c === null) {
      if (this.size >= this.maxConnections) this.evictOldest();
      c = new Conn();
      c.hash = hash;
      c.aKey = sk;
      c.aPort = l.sport;
      c.bKey = dk;
      c.bPort = l.dport;
      c.next = this.conns.get(hash) ?? null;
      this.conns.set(hash, c);
      this.order.push(c);
      this.count++;
      this.totals.connections++;
    }
    const fromA = c.aKey === sk && c.aPort === l.sport;
    const side = fromA ? c.a : c.b;
    const other = fromA ? c.b : c.a;

    // Handshake: SYN from one side, SYN/ACK from the other (in either capture
    // order: taps may reorder them), then the SYN sender's first ACK.
    const syn = (flags & TcpFlag.SYN) !== 0;
    const ack = (flags & TcpFlag.ACK) !== 0;
    // Every bare SYN restarts the clock (a retransmitted SYN is the one answered), as Wireshark does.
    if (syn && !ack) side.synTime = time;
    else if (syn && ack) side.sentSynAck = true;
    else if (ack && c.irtt < 0 && side.synTime >= 0 && other.sentSynAck) {
      c.irtt = time - side.synTime;
      this.handshakeRtt.add(c.irtt);
      this.onRtt?.('handshake', c.irtt);
      this.totals.handshakes++;
    }
    if ((flags & TcpFlag.RST) !== 0) this.totals.resets++;
    if (l.tcpWindow === 0 && !syn && (flags & (TcpFlag.RST | TcpFlag.FIN)) === 0) this.totals.zeroWindows++;

    // Sequence analysis.
    const seglen = l.payloadLen;
    const seqSpace = seglen + (syn ? 1 : 0) + ((flags & TcpFlag.FIN) !== 0 ? 1 : 0);
    const seq = l.tcpSeq;
    if (seqSpace > 0 && (flags & TcpFlag.RST) === 0) {
      const end = (seq + seqSpace) >>> 0;
      if (side.hasNext && seqLt(seq, side.nextSeq)) {
        const keepAlive = seglen <= 1 && !syn && (flags & TcpFlag.FIN) === 0 && ((seq + 1) >>> 0) === side.nextSeq;
        if (!keepAlive) {
          const thres = c.irtt > 0 ? c.irtt : OOO_DEFAULT;
          if (time - side.lastSegTime < thres && side.nextSeq !== end) this.totals.outOfOrder++;
          else {
            this.totals.retransmissions++;
            this.lastWasRetransmission = true;
          }
          // Karn: a retransmission invalidates the pending RTT probe.
          if (side.probeTime >= 0 && seqLt(seq, side.probeEnd)) side.probeTime = -1;
        }
      } else if (side.probeTime < 0) {
        side.probeEnd = end;
        side.probeTime = time;
      }
      if (!side.hasNext || seqLt(side.nextSeq, end)) {
        side.nextSeq = end;
        side.hasNext = true;
      }
      side.lastSegTime = time;
    }
    // Data/ACK RTT: an ACK from this side covering the other side's probe.
    if (ack && other.probeTime >= 0 && !seqLt(l.tcpAck, other.probeEnd)) {
      this.dataRtt.add(time - other.probeTime);
      this.onRtt?.('data', time - other.probeTime);
      other.probeTime = -1;
    }
  }
}

function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

function matches(c: Conn, sk: number, sp: number, dk: number, dp: number): boolean {
  return (c.aKey === sk && c.aPort === sp && c.bKey === dk && c.bPort === dp) || (c.aKey === dk && c.aPort === dp && c.bKey === sk && c.bPort === sp);
}

/** Direction-independent 30-bit hash of a TCP connection (a small integer keeps Map look-ups fast; collisions chain). */
function connHash(sk: number, sp: number, dk: number, dp: number): number {
  const h1 = endpointHash(sk, sp);
  const h2 = endpointHash(dk, dp);
  return ((h1 ^ h2) + Math.imul(h1 & h2, 0x9e3779b1)) & 0x3fffffff;
}

function endpointHash(k: number, port: number): number {
  const lo = k >>> 0;
  // IPv6 keys carry hash bits above 2^32 (see util/addr-key.ts).
  const hi = k > 4294967295 ? (k / 4294967296) >>> 0 : 0;
  let h = Math.imul(lo ^ 0x85ebca6b, 0xc2b2ae35);
  h = Math.imul(h ^ hi ^ (h >>> 13), 0x27d4eb2f);
  return (h ^ Math.imul(port + 1, 0x165667b1) ^ (h >>> 16)) >>> 0;
}
