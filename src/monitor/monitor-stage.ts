/**
 * The monitoring stage: traffic rates, protocol mix, top talkers and ports,
 * TCP RTT / retransmissions / zero windows / resets, ICMP unreachables and
 * capture drops. Cheap per packet: counters here, and one record per IP
 * packet queued for the analysis (tcp-analyzer.ts), which runs in a worker
 * thread by default and keeps the TCP connection table and the top talkers
 * and ports (host-tables.ts); strings for the top-k are built only when they
 * are reported. Emits an EVE `stats` record on the bus every `intervalSec` of
 * packet time.
 */
import { Encap, type Layers, type Packet } from '../decode/packet.js';
import type { SourceStats } from '../capture/frame.js';
import type { Stage, EventRecord } from '../pipeline.js';
import type { EventBus } from '../events.js';
import { formatIsoTime } from '../util/format.js';
import { srcKey, dstKey } from '../util/addr-key.js';
import { classify, ProtocolMix, type ProtoCounter } from './protocol-mix.js';
import { RateRing } from './rates.js';
import type { SpaceSaving } from './topk.js';
import { addrLabel, PORT_UDP, portKey, portLabel } from './host-tables.js';
import { TcpAnalyzer } from './tcp-analyzer.js';
import type { MonitorSnapshot } from './snapshot.js';

export type { MonitorSnapshot } from './snapshot.js';
export { addrLabel } from './host-tables.js';

export interface MonitorOptions {
  /** Seconds of packet time between `stats` records (0 = none). */
  intervalSec?: number;
  /** Capacity of the top-k tables (error bound: total / capacity). */
  topCapacity?: number;
  /** Bound of the TCP connection table. */
  maxConnections?: number;
  /** Run the TCP analysis and the top-k tables in a worker thread (default true; see tcp-analyzer.ts). */
  tcpThread?: boolean;
}

export class MonitorStage implements Stage {
  readonly name = 'monitor';
  readonly rates = new RateRing();
  /** TCP segments are counted by the TCP analysis (the mix reads its share from there). */
  readonly mix: ProtocolMix;
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
  constructor(
    private readonly bus: EventBus | null,
    opts: MonitorOptions = {},
  ) {
    this.intervalSec = opts.intervalSec ?? 10;
    this.tcp = new TcpAnalyzer(opts.maxConnections ?? 100_000, { thread: opts.tcpThread ?? true, topCapacity: opts.topCapacity ?? 1000 });
    this.mix = new ProtocolMix(() => this.tcp.mixCounts);
  }

  /** Live sources report kernel/interface drops; the stage reads them when it reports. */
  attachSource(stats: () => SourceStats): void {
    this.sourceStats = stats;
  }

  /** Top talkers: ranked by bytes (the Space-Saving weight), with packets alongside; valid until the next packet. */
  get talkers(): SpaceSaving {
    return this.tcp.talkers;
  }

  /** Top ports: ranked by packets, with bytes alongside; valid until the next packet. */
  get ports(): SpaceSaving {
    return this.tcp.ports;
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
    // Top talkers and ports are kept by the TCP analysis, from the records queued here, in packet order.
    if (l.hasTcp) {
      this.tcp.onSegment(l, srcKey(l), dstKey(l), sec, pkt.tsNsec, len);
      return;
    }
    let port = 0;
    if (l.hasUdp) port = portKey(PORT_UDP, l.sport, l.dport);
    // Destination unreachable: ICMP type 3, ICMPv6 type 1.
    else if (l.hasIcmp && l.icmpType === (l.ipVersion === 4 ? 3 : 1)) this.icmpUnreachable++;
    this.tcp.onHost(l, len, port);
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
    const talkers = this.talkers;
    const ports = this.ports;
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
      topTalkersBytes: talkers.top(top).map((e) => ({ addr: addrLabel(e), bytes: e.count, pkts: e.aux, error: e.error })),
      topTalkersPkts: talkers.top(top, 'aux').map((e) => ({ addr: addrLabel(e), pkts: e.aux, bytes: e.count, error: e.error })),
      topPorts: ports.top(top).map((e) => ({ port: portLabel(e.key), pkts: e.count, bytes: e.aux, error: e.error })),
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
      topErrorBound: talkers.errorBound,
    };
  }
}
