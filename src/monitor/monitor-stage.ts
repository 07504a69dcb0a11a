/**
 * The monitoring stage: traffic rates, protocol mix, top talkers and ports,
 * TCP RTT / retransmissions / zero windows / resets, ICMP unreachables and
 * capture drops. Cheap per packet (counters and numeric-keyed tables); the
 * strings for the top-k are built only when a key enters the table. Emits an
 * EVE `stats` record on the bus every `intervalSec` of packet time.
 */
import { Encap, type Layers, type Packet } from '../decode/packet.js';
import type { SourceStats } from '../capture/frame.js';
import type { Stage, EventRecord } from '../pipeline.js';
import type { EventBus } from '../events.js';
import { formatIPv4, formatIPv6Words, formatIsoTime } from '../util/format.js';
import { srcKey, dstKey } from '../util/addr-key.js';
import { classify, ProtocolMix, type ProtoCounter } from './protocol-mix.js';
import { RateRing } from './rates.js';
import { SpaceSaving, type TopEntry } from './topk.js';
import { TcpAnalyzer } from './tcp-analyzer.js';
import type { MonitorSnapshot } from './snapshot.js';

export type { MonitorSnapshot } from './snapshot.js';

export interface MonitorOptions {
  /** Seconds of packet time between `stats` records (0 = none). */
  intervalSec?: number;
  /** Capacity of the top-k tables (error bound: total / capacity). */
  topCapacity?: number;
  /** Bound of the TCP connection table. */
  maxConnections?: number;
  /** Run the TCP analysis in a worker thread (default true; see tcp-analyzer.ts). */
  tcpThread?: boolean;
}

// Port-key space: proto in the high bits so TCP 53 and UDP 53 differ.
const PORT_TCP = 0x10000;
const PORT_UDP = 0x20000;

export class MonitorStage implements Stage {
  readonly name = 'monitor';
  readonly rates = new RateRing();
  /** TCP segments are counted by the TCP analysis (the mix reads its share from there). */
  readonly mix: ProtocolMix;
  /**
   * Top talkers: ranked by bytes (the Space-Saving weight), with packets alongside.
   * The latest packets' address pair may still be pending (see flushPair): read it through snapshot().
   */
  readonly talkers: SpaceSaving;
  /** Top ports (by packets, bytes alongside); the latest port's counts may be pending (see addPort), as for talkers. */
  readonly ports: SpaceSaving;
  readonly tcp: TcpAnalyzer;
  packets = 0;
  bytes = 0;
  icmpUnreachable = 0;
  malformed = 0;
  /** Time of the latest packet, as the two integers of the Packet (a double field would be a boxed write per packet). */
  private lastSec = 0;
  private lastNsec = 0;
  /** `packets` and `bytes` when the rate ring was last brought up to date (see flushRates). */
  private ratedPackets = 0;
  private ratedBytes = 0;
  private nextStatsSec = -1;
  private readonly intervalSec: number;
  private sourceStats: (() => SourceStats) | null = null;
  /**
   * Consecutive packets often share their address pair, in either direction (a
   * conversation, or one host pair on a link), and their port: the first packet of a run updates the
   * top-k tables, the next ones are summed here and reach the tables in one
   * update when the run ends (or the stage is read). The tables then see the
   * same updates in the same order, only grouped, so counts and evictions are
   * unchanged: between the first packet and the flush no other key updates the
   * table, so the run's keys still hold their cache slots (for a pair, unless
   * both keys share one slot: such a pair is not summed).
   */
  private pairSrc = NaN;
  private pairDst = NaN;
  /** Bytes and packets of the pair's run after its first packet, not yet added. */
  private pairBytes = 0;
  private pairPkts = 0;
  /** Tag words of pairSrc (0..3) and pairDst (4..7), for the flush. */
  private readonly pairTags = new Uint32Array(8);
  private portKey = NaN;
  private portPkts = 0;
  private portBytes = 0;

  constructor(
    private readonly bus: EventBus | null,
    opts: MonitorOptions = {},
  ) {
    this.intervalSec = opts.intervalSec ?? 10;
    const cap = opts.topCapacity ?? 1000;
    this.talkers = new SpaceSaving(cap);
    this.ports = new SpaceSaving(cap);
    this.tcp = new TcpAnalyzer(opts.maxConnections ?? 100_000, { thread: opts.tcpThread ?? true });
    this.mix = new ProtocolMix(() => this.tcp.mixCounts);
  }

  /** Live sources report kernel/interface drops; the stage reads them when it reports. */
  attachSource(stats: () => SourceStats): void {
    this.sourceStats = stats;
  }

  /** Per-layer protocol totals (summed on read). */
  get l3(): ProtoCounter {
    return this.mix.l3;
  }
  get l4(): ProtoCounter {
    return this.mix.l4;
  }
  get appMix(): ProtoCounter {
    return this.mix.app;
  }

  onPacket(pkt: Packet): void {
    const len = pkt.len;
    const sec = pkt.tsSec;
    if (sec !== this.lastSec) this.flushRates();
    this.packets++;
    this.bytes += len;
    this.lastSec = sec;
    this.lastNsec = pkt.tsNsec;

    let l: Layers = pkt;
    // Most packets are neither tunnelled, malformed nor ICMP errors: one check instead of two chain walks.
    if (pkt.encap !== Encap.None || pkt.malformed !== null || pkt.hasQuoted) {
      if (pkt.isMalformed()) this.malformed++;
      l = pkt.innermost();
    }
    // TCP segments are counted in the mix by the TCP analysis (onSegment below).
    if (!l.hasTcp) this.mix.add(classify(l), len);
    if (l.ipVersion === 0) return;
    const sk = srcKey(l);
    const dk = dstKey(l);
    // A reply (dst → src) adds the same bytes to the same two talkers: it continues the run too.
    if ((sk === this.pairSrc && dk === this.pairDst) || (sk === this.pairDst && dk === this.pairSrc)) {
      this.pairBytes += len;
      this.pairPkts++;
    } else this.startPair(l, sk, dk, len);
    if (l.hasTcp) {
      // The server port is the lower one: a good proxy for the service.
      this.addPort(PORT_TCP | (l.sport < l.dport ? l.sport : l.dport), len);
      this.tcp.onSegment(l, sk, dk, sec, pkt.tsNsec, len);
    } else if (l.hasUdp) {
      this.addPort(PORT_UDP | (l.sport < l.dport ? l.sport : l.dport), len);
    } else if (l.hasIcmp && l.icmpType === (l.ipVersion === 4 ? 3 : 1)) {
      // Destination unreachable: ICMP type 3, ICMPv6 type 1.
      this.icmpUnreachable++;
    }
  }

  /** Counts a packet of `len` bytes for port key `key`. */
  private addPort(key: number, len: number): void {
    if (key === this.portKey) {
      this.portPkts++;
      this.portBytes += len;
      return;
    }
    this.flushPort();
    this.ports.add(key, 1, len);
    this.portKey = key;
  }

  /** Adds the current port run's pending packets and ends the run. */
  private flushPort(): void {
    if (this.portPkts !== 0) {
      this.ports.add(this.portKey, this.portPkts, this.portBytes);
      this.portPkts = this.portBytes = 0;
    }
    this.portKey = NaN;
  }

  /** The packet of `len` bytes from `sk` to `dk` (keys of `l`'s addresses) starts a new address pair run. */
  private startPair(l: Layers, sk: number, dk: number, len: number): void {
    this.flushPair();
    // Tags are the address words (IPv4 as IPv4-mapped IPv6), formatted only when reported.
    const t = this.pairTags;
    if (l.ipVersion === 4) {
      t[0] = t[1] = t[4] = t[5] = 0;
      t[2] = t[6] = 0xffff;
      t[3] = l.src4;
      t[7] = l.dst4;
    } else {
      t.set(l.src6, 0);
      t.set(l.dst6, 4);
    }
    const hs = this.talkers.add(sk, len, 1, t[0]!, t[1]!, t[2]!, t[3]!);
    const hd = this.talkers.add(dk, len, 1, t[4]!, t[5]!, t[6]!, t[7]!);
    if (hs !== hd || sk === dk) {
      this.pairSrc = sk;
      this.pairDst = dk;
    }
  }

  /** Adds the current pair run's pending bytes and packets to the talkers, source then destination (as per packet), and ends the run. */
  private flushPair(): void {
    if (this.pairPkts !== 0) {
      const t = this.pairTags;
      this.talkers.add(this.pairSrc, this.pairBytes, this.pairPkts, t[0]!, t[1]!, t[2]!, t[3]!);
      this.talkers.add(this.pairDst, this.pairBytes, this.pairPkts, t[4]!, t[5]!, t[6]!, t[7]!);
      this.pairBytes = this.pairPkts = 0;
    }
    this.pairSrc = this.pairDst = NaN;
  }

  /**
   * Moves the packets and bytes counted since the last flush (all of second
   * `lastSec`) into the rate ring, as if each had been added on arrival: the
   * per-packet path only bumps the two totals.
   */
  private flushRates(): void {
    const pkts = this.packets - this.ratedPackets;
    if (pkts === 0) return;
    this.rates.addMany(this.lastSec, pkts, this.bytes - this.ratedBytes);
    this.ratedPackets = this.packets;
    this.ratedBytes = this.bytes;
  }

  onTick(tsSec: number): void {
    this.flushRates();
    this.rates.advance(tsSec);
    if (this.intervalSec <= 0 || this.bus === null) return;
    if (this.nextStatsSec < 0) this.nextStatsSec = tsSec + this.intervalSec;
    else if (tsSec >= this.nextStatsSec) {
      this.nextStatsSec = tsSec + this.intervalSec;
      this.emitStats(this.bus, tsSec);
    }
  }

  onEnd(tsSec: number): void {
    if (this.bus !== null && this.packets > 0) this.emitStats(this.bus, tsSec);
    // No segment follows: the TCP analysis thread ends (its results stay readable).
    this.tcp.close();
  }

  /**
   * Publishes a `stats` record, or only counts it when nobody takes the
   * records (no --stats file, no demo): a record costs a snapshot (top-k
   * selection, labels, strings), about 0.15 ms, which would be thrown away.
   */
  private emitStats(bus: EventBus, tsSec: number): void {
    if (bus.hasListeners('stats')) bus.emit('stats', this.statsRecord(tsSec));
    else bus.tally('stats');
  }

  /** An EVE `stats` record. */
  statsRecord(tsSec: number): EventRecord {
    const s = this.snapshot(5);
    return {
      timestamp: formatIsoTime(tsSec, 0, 6),
      event_type: 'stats',
      stats: {
        decoder: { pkts: s.packets, bytes: s.bytes, malformed: s.malformed },
        capture: { kernel_drops: s.dropped, if_drops: s.ifDropped },
        rates: { pps_1s: s.pps1s, bps_1s: s.bps1s, pps_1m: s.pps1m, bps_1m: s.bps1m, pps_5m: s.pps5m, bps_5m: s.bps5m },
        protocols: { l3: s.l3, l4: s.l4, app: s.app },
        tcp: s.tcp,
        icmp_unreachable: s.icmpUnreachable,
        top_talkers: s.topTalkersBytes,
        top_ports: s.topPorts,
      },
    };
  }

  snapshot(top = 10): MonitorSnapshot {
    this.flushRates();
    this.flushPair();
    this.flushPort();
    const r1 = this.rates.average(1, false);
    const r60 = this.rates.average(60);
    const r300 = this.rates.average(300);
    const src = this.sourceStats?.();
    const pct = (h: TcpAnalyzer['handshakeRtt']) => ({ p50: h.quantile(0.5), p90: h.quantile(0.9), p99: h.quantile(0.99), mean: h.mean, count: h.count });
    const t = this.tcp.totals;
    return {
      time: this.lastSec + this.lastNsec / 1e9,
      packets: this.packets,
      bytes: this.bytes,
      pps1s: r1.pps,
      bps1s: r1.bps,
      pps1m: r60.pps,
      bps1m: r60.bps,
      pps5m: r300.pps,
      bps5m: r300.bps,
      l3: this.mix.l3.toJSON(),
      l4: this.mix.l4.toJSON(),
      app: this.mix.app.toJSON(),
      topTalkersBytes: this.talkers.top(top).map((e) => ({ addr: addrLabel(e), bytes: e.count, pkts: e.aux, error: e.error })),
      topTalkersPkts: this.talkers.top(top, 'aux').map((e) => ({ addr: addrLabel(e), pkts: e.aux, bytes: e.count, error: e.error })),
      topPorts: this.ports.top(top).map((e) => ({ port: portLabel(e.key), pkts: e.count, bytes: e.aux, error: e.error })),
      tcp: {
        connections: t.connections,
        handshakes: t.handshakes,
        retransmissions: t.retransmissions,
        outOfOrder: t.outOfOrder,
        zeroWindows: t.zeroWindows,
        resets: t.resets,
        handshakeRtt: pct(this.tcp.handshakeRtt),
        dataRtt: pct(this.tcp.dataRtt),
      },
      icmpUnreachable: this.icmpUnreachable,
      malformed: this.malformed,
      dropped: src?.dropped ?? 0,
      ifDropped: src?.ifDropped ?? 0,
      topErrorBound: this.talkers.errorBound,
    };
  }
}

/** Text of a talker from its tag words (IPv4-mapped or IPv6, as onPacket tags them). */
export function addrLabel(e: TopEntry): string {
  const t = e.tag;
  return t[0] === 0 && t[1] === 0 && t[2] === 0xffff ? formatIPv4(t[3]) : formatIPv6Words(t);
}

function portLabel(k: number): string {
  return `${(k & PORT_UDP) !== 0 ? 'udp' : 'tcp'}/${k & 0xffff}`;
}
