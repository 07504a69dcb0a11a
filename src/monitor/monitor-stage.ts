/**
 * The monitoring stage: traffic rates, protocol mix, top talkers and ports,
 * TCP RTT / retransmissions / zero windows / resets, ICMP unreachables and
 * capture drops. Cheap per packet (counters and numeric-keyed tables); the
 * strings for the top-k are built only when a key enters the table. Emits an
 * EVE `stats` record on the bus every `intervalSec` of packet time.
 */
import { App, type Layers, type Packet } from '../decode/packet.js';
import type { SourceStats } from '../capture/frame.js';
import type { Stage, EventRecord } from '../pipeline.js';
import type { EventBus } from '../events.js';
import { formatIsoTime } from '../util/format.js';
import { srcKey, dstKey, srcText, dstText } from '../util/addr-key.js';
import { RateRing } from './rates.js';
import { SpaceSaving, type Labeler } from './topk.js';
import { TcpAnalyzer } from './tcp-analysis.js';

export interface MonitorOptions {
  /** Seconds of packet time between `stats` records (0 = none). */
  intervalSec?: number;
  /** Capacity of the top-k tables (error bound: total / capacity). */
  topCapacity?: number;
  /** Bound of the TCP connection table. */
  maxConnections?: number;
}

/** Protocol mix counters: packets and bytes per protocol name. */
export class ProtoCounter {
  readonly pkts = new Map<string, number>();
  readonly bytes = new Map<string, number>();
  add(name: string, bytes: number): void {
    this.pkts.set(name, (this.pkts.get(name) ?? 0) + 1);
    this.bytes.set(name, (this.bytes.get(name) ?? 0) + bytes);
  }
  toJSON(): Record<string, { pkts: number; bytes: number }> {
    const out: Record<string, { pkts: number; bytes: number }> = {};
    for (const [k, v] of this.pkts) out[k] = { pkts: v, bytes: this.bytes.get(k) ?? 0 };
    return out;
  }
}

export interface MonitorSnapshot {
  time: number;
  packets: number;
  bytes: number;
  pps1s: number;
  bps1s: number;
  pps1m: number;
  bps1m: number;
  pps5m: number;
  bps5m: number;
  l3: Record<string, { pkts: number; bytes: number }>;
  l4: Record<string, { pkts: number; bytes: number }>;
  app: Record<string, { pkts: number; bytes: number }>;
  topTalkersBytes: { addr: string; bytes: number; pkts: number; error: number }[];
  topTalkersPkts: { addr: string; pkts: number; bytes: number; error: number }[];
  topPorts: { port: string; pkts: number; bytes: number; error: number }[];
  tcp: {
    connections: number;
    handshakes: number;
    retransmissions: number;
    outOfOrder: number;
    zeroWindows: number;
    resets: number;
    handshakeRtt: { p50: number; p90: number; p99: number; mean: number; count: number };
    dataRtt: { p50: number; p90: number; p99: number; mean: number; count: number };
  };
  icmpUnreachable: number;
  malformed: number;
  dropped: number;
  ifDropped: number;
  topErrorBound: number;
}

// Port-key space: proto in the high bits so TCP 53 and UDP 53 differ.
const PORT_TCP = 0x10000;
const PORT_UDP = 0x20000;

export class MonitorStage implements Stage {
  readonly name = 'monitor';
  readonly rates = new RateRing();
  readonly l3 = new ProtoCounter();
  readonly l4 = new ProtoCounter();
  readonly appMix = new ProtoCounter();
  readonly talkersBytes: SpaceSaving;
  readonly talkersPkts: SpaceSaving;
  readonly ports: SpaceSaving;
  readonly tcp: TcpAnalyzer;
  packets = 0;
  bytes = 0;
  icmpUnreachable = 0;
  malformed = 0;
  private lastTime = 0;
  private nextStatsSec = -1;
  private readonly intervalSec: number;
  private sourceStats: (() => SourceStats) | null = null;
  private readonly srcLabel = new AddrLabeler(true);
  private readonly dstLabel = new AddrLabeler(false);

  constructor(
    private readonly bus: EventBus | null,
    opts: MonitorOptions = {},
  ) {
    this.intervalSec = opts.intervalSec ?? 10;
    const cap = opts.topCapacity ?? 1000;
    this.talkersBytes = new SpaceSaving(cap);
    this.talkersPkts = new SpaceSaving(cap);
    this.ports = new SpaceSaving(cap);
    this.tcp = new TcpAnalyzer(opts.maxConnections ?? 100_000);
  }

  /** Live sources report kernel/interface drops; the stage reads them when it reports. */
  attachSource(stats: () => SourceStats): void {
    this.sourceStats = stats;
  }

  onPacket(pkt: Packet): void {
    const len = pkt.len;
    const time = pkt.tsSec + pkt.tsNsec / 1e9;
    this.packets++;
    this.bytes += len;
    this.lastTime = time;
    this.rates.add(pkt.tsSec, len);
    if (pkt.isMalformed()) this.malformed++;

    const l = pkt.innermost();
    this.countLayers(pkt, l, len);
    if (l.ipVersion !== 0) {
      this.srcLabel.l = l;
      this.dstLabel.l = l;
      const sk = srcKey(l);
      const dk = dstKey(l);
      this.talkersBytes.add(sk, len, 1, this.srcLabel);
      this.talkersBytes.add(dk, len, 1, this.dstLabel);
      this.talkersPkts.add(sk, 1, len, this.srcLabel);
      this.talkersPkts.add(dk, 1, len, this.dstLabel);
    }
    if (l.hasTcp) {
      // The server port is the lower one: a good proxy for the service.
      const p = PORT_TCP | (l.sport < l.dport ? l.sport : l.dport);
      this.ports.add(p, 1, len, PORT_LABEL);
      this.tcp.onSegment(l, time);
    } else if (l.hasUdp) {
      const p = PORT_UDP | (l.sport < l.dport ? l.sport : l.dport);
      this.ports.add(p, 1, len, PORT_LABEL);
    }
  }

  private countLayers(pkt: Packet, l: Layers, len: number): void {
    const l3 = l.ipVersion === 4 ? 'ipv4' : l.ipVersion === 6 ? 'ipv6' : l.hasArp ? 'arp' : 'other';
    this.l3.add(l3, len);
    let l4 = 'other';
    if (l.hasTcp) l4 = 'tcp';
    else if (l.hasUdp) l4 = 'udp';
    else if (l.hasIcmp) {
      l4 = l.ipVersion === 6 ? 'icmpv6' : 'icmp';
      // Destination unreachable: ICMP type 3, ICMPv6 type 1.
      if ((l.ipVersion === 4 && l.icmpType === 3) || (l.ipVersion === 6 && l.icmpType === 1)) this.icmpUnreachable++;
    } else if (l.ipVersion !== 0) l4 = l.ipIsFragment ? 'fragment' : `ip-proto-${l.ipProto}`;
    else if (l3 !== 'other') l4 = 'none';
    if (l4.startsWith('ip-proto-')) l4 = 'other-ip';
    this.l4.add(l4, len);
    this.appMix.add(appName(l), len);
    if (pkt !== l && pkt.ipVersion !== 0) this.l3.add('tunnel', 0);
  }

  onTick(tsSec: number): void {
    this.rates.advance(tsSec);
    if (this.intervalSec <= 0 || this.bus === null) return;
    if (this.nextStatsSec < 0) this.nextStatsSec = tsSec + this.intervalSec;
    else if (tsSec >= this.nextStatsSec) {
      this.nextStatsSec = tsSec + this.intervalSec;
      this.bus.emit('stats', this.statsRecord(tsSec));
    }
  }

  onEnd(tsSec: number): void {
    if (this.bus !== null && this.packets > 0) this.bus.emit('stats', this.statsRecord(tsSec));
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
    const r1 = this.rates.average(1, false);
    const r60 = this.rates.average(60);
    const r300 = this.rates.average(300);
    const src = this.sourceStats?.();
    const pct = (h: TcpAnalyzer['handshakeRtt']) => ({ p50: h.quantile(0.5), p90: h.quantile(0.9), p99: h.quantile(0.99), mean: h.mean, count: h.count });
    const t = this.tcp.totals;
    return {
      time: this.lastTime,
      packets: this.packets,
      bytes: this.bytes,
      pps1s: r1.pps,
      bps1s: r1.bps,
      pps1m: r60.pps,
      bps1m: r60.bps,
      pps5m: r300.pps,
      bps5m: r300.bps,
      l3: this.l3.toJSON(),
      l4: this.l4.toJSON(),
      app: this.appMix.toJSON(),
      topTalkersBytes: this.talkersBytes.top(top).map((e) => ({ addr: e.label, bytes: e.count, pkts: e.aux, error: e.error })),
      topTalkersPkts: this.talkersPkts.top(top).map((e) => ({ addr: e.label, pkts: e.count, bytes: e.aux, error: e.error })),
      topPorts: this.ports.top(top).map((e) => ({ port: e.label, pkts: e.count, bytes: e.aux, error: e.error })),
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
      topErrorBound: this.talkersBytes.errorBound,
    };
  }
}

class AddrLabeler implements Labeler {
  l: Layers | null = null;
  constructor(private readonly src: boolean) {}
  labelFor(): string {
    if (this.l === null) return '';
    return this.src ? srcText(this.l) : dstText(this.l);
  }
}

const PORT_LABEL: Labeler = {
  labelFor(k: number): string {
    return `${(k & PORT_UDP) !== 0 ? 'udp' : 'tcp'}/${k & 0xffff}`;
  },
};

function appName(l: Layers): string {
  switch (l.app) {
    case App.Dns:
      return l.dns.flavour === 'dns' ? 'dns' : l.dns.flavour;
    case App.TlsClientHello:
      return l.tls.overQuic ? 'quic' : 'tls';
    case App.HttpRequest:
      return 'http';
    default:
      break;
  }
  if (l.hasTcp || l.hasUdp) {
    const p = l.sport < l.dport ? l.sport : l.dport;
    const name = WELL_KNOWN.get((l.hasTcp ? PORT_TCP : PORT_UDP) | p);
    if (name !== undefined) return name;
  }
  return 'other';
}

/** Port-based fallback names for packets whose payload was not recognised (continuations of known sessions). */
const WELL_KNOWN = new Map<number, string>([
  [PORT_TCP | 80, 'http'],
  [PORT_TCP | 8080, 'http'],
  [PORT_TCP | 443, 'tls'],
  [PORT_UDP | 443, 'quic'],
  [PORT_TCP | 22, 'ssh'],
  [PORT_TCP | 53, 'dns'],
  [PORT_UDP | 53, 'dns'],
  [PORT_UDP | 5353, 'mdns'],
  [PORT_UDP | 5355, 'llmnr'],
  [PORT_UDP | 123, 'ntp'],
  [PORT_UDP | 67, 'dhcp'],
  [PORT_UDP | 68, 'dhcp'],
  [PORT_TCP | 25, 'smtp'],
  [PORT_TCP | 21, 'ftp'],
]);
