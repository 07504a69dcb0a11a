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
import { formatIPv4, formatIPv6Words, formatIsoTime } from '../util/format.js';
import { srcKey, dstKey, loadAddrWords } from '../util/addr-key.js';
import { RateRing } from './rates.js';
import { SpaceSaving, type TopEntry } from './topk.js';
import { TcpAnalyzer } from './tcp-analysis.js';

export interface MonitorOptions {
  /** Seconds of packet time between `stats` records (0 = none). */
  intervalSec?: number;
  /** Capacity of the top-k tables (error bound: total / capacity). */
  topCapacity?: number;
  /** Bound of the TCP connection table. */
  maxConnections?: number;
}

/** Protocol mix counters over a fixed list of names (indexed, so counting builds no strings and touches no Map). */
export class ProtoCounter {
  readonly pktsAt: Float64Array;
  readonly bytesAt: Float64Array;
  constructor(readonly names: readonly string[]) {
    this.pktsAt = new Float64Array(names.length);
    this.bytesAt = new Float64Array(names.length);
  }
  add(i: number, bytes: number): void {
    this.pktsAt[i]! += 1;
    this.bytesAt[i]! += bytes;
  }
  /** Packets per protocol name (non-zero entries only). */
  get pkts(): Map<string, number> {
    const m = new Map<string, number>();
    for (let i = 0; i < this.names.length; i++) if (this.pktsAt[i]! > 0) m.set(this.names[i]!, this.pktsAt[i]!);
    return m;
  }
  toJSON(): Record<string, { pkts: number; bytes: number }> {
    const out: Record<string, { pkts: number; bytes: number }> = {};
    for (let i = 0; i < this.names.length; i++) if (this.pktsAt[i]! > 0) out[this.names[i]!] = { pkts: this.pktsAt[i]!, bytes: this.bytesAt[i]! };
    return out;
  }
}

const L3_NAMES = ['ipv4', 'ipv6', 'arp', 'other'] as const;
const L4_NAMES = ['tcp', 'udp', 'icmp', 'icmpv6', 'fragment', 'other-ip', 'none', 'other'] as const;
const APP_NAMES = ['dns', 'mdns', 'llmnr', 'tls', 'quic', 'http', 'ssh', 'ntp', 'dhcp', 'smtp', 'ftp', 'other'] as const;
const enum L3 { V4, V6, Arp, Other }
const enum L4 { Tcp, Udp, Icmp, Icmp6, Fragment, OtherIp, None, Other }
const APP = Object.fromEntries(APP_NAMES.map((n, i) => [n, i])) as Record<(typeof APP_NAMES)[number], number>;

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
  readonly l3 = new ProtoCounter(L3_NAMES);
  readonly l4 = new ProtoCounter(L4_NAMES);
  readonly appMix = new ProtoCounter(APP_NAMES);
  /** Top talkers: ranked by bytes (the Space-Saving weight), with packets alongside. */
  readonly talkers: SpaceSaving;
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

  constructor(
    private readonly bus: EventBus | null,
    opts: MonitorOptions = {},
  ) {
    this.intervalSec = opts.intervalSec ?? 10;
    const cap = opts.topCapacity ?? 1000;
    this.talkers = new SpaceSaving(cap);
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
    this.countLayers(l, len);
    if (l.ipVersion !== 0) {
      const w = ADDR;
      loadAddrWords(l, true, w);
      this.talkers.add(srcKey(l), len, 1, w[0], w[1], w[2], w[3]);
      loadAddrWords(l, false, w);
      this.talkers.add(dstKey(l), len, 1, w[0], w[1], w[2], w[3]);
    }
    if (l.hasTcp) {
      // The server port is the lower one: a good proxy for the service.
      this.ports.add(PORT_TCP | (l.sport < l.dport ? l.sport : l.dport), 1, len);
      this.tcp.onSegment(l, pkt.tsSec, pkt.tsNsec);
    } else if (l.hasUdp) {
      this.ports.add(PORT_UDP | (l.sport < l.dport ? l.sport : l.dport), 1, len);
    }
  }

  private countLayers(l: Layers, len: number): void {
    const l3 = l.ipVersion === 4 ? L3.V4 : l.ipVersion === 6 ? L3.V6 : l.hasArp ? L3.Arp : L3.Other;
    this.l3.add(l3, len);
    let l4: number;
    if (l.hasTcp) l4 = L4.Tcp;
    else if (l.hasUdp) l4 = L4.Udp;
    else if (l.hasIcmp) {
      l4 = l.ipVersion === 6 ? L4.Icmp6 : L4.Icmp;
      // Destination unreachable: ICMP type 3, ICMPv6 type 1.
      if ((l.ipVersion === 4 && l.icmpType === 3) || (l.ipVersion === 6 && l.icmpType === 1)) this.icmpUnreachable++;
    } else if (l.ipVersion !== 0) l4 = l.ipIsFragment ? L4.Fragment : L4.OtherIp;
    else l4 = l3 === L3.Other ? L4.Other : L4.None;
    this.l4.add(l4, len);
    this.appMix.add(appIndex(l), len);
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

/** Scratch words of the address being counted (no allocation per packet). */
const ADDR = new Uint32Array(4);

/** Text of a talker from its tag words (IPv4-mapped or IPv6, see loadAddrWords). */
export function addrLabel(e: TopEntry): string {
  const t = e.tag;
  return t[0] === 0 && t[1] === 0 && t[2] === 0xffff ? formatIPv4(t[3]) : formatIPv6Words(t);
}

function portLabel(k: number): string {
  return `${(k & PORT_UDP) !== 0 ? 'udp' : 'tcp'}/${k & 0xffff}`;
}

function appIndex(l: Layers): number {
  switch (l.app) {
    case App.Dns:
      return l.dns.flavour === 'mdns' ? APP.mdns : l.dns.flavour === 'llmnr' ? APP.llmnr : APP.dns;
    case App.TlsClientHello:
      return l.tls.overQuic ? APP.quic : APP.tls;
    case App.HttpRequest:
      return APP.http;
    default:
      break;
  }
  if (l.hasTcp) return TCP_PORT_APP[l.sport < l.dport ? l.sport : l.dport]!;
  if (l.hasUdp) return UDP_PORT_APP[l.sport < l.dport ? l.sport : l.dport]!;
  return APP.other;
}

/** Port-based fallback for packets whose payload was not recognised (continuations of known sessions): flat tables, no Map. */
const TCP_PORT_APP = new Uint8Array(65536).fill(APP.other);
const UDP_PORT_APP = new Uint8Array(65536).fill(APP.other);
for (const [p, a] of [[80, APP.http], [8080, APP.http], [443, APP.tls], [22, APP.ssh], [53, APP.dns], [25, APP.smtp], [21, APP.ftp]] as const) TCP_PORT_APP[p] = a;
for (const [p, a] of [[443, APP.quic], [53, APP.dns], [5353, APP.mdns], [5355, APP.llmnr], [123, APP.ntp], [67, APP.dhcp], [68, APP.dhcp]] as const) UDP_PORT_APP[p] = a;
