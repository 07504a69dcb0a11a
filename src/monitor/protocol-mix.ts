/**
 * Protocol mix (network, transport and application layer) counted with one
 * increment per packet: each packet falls in one combined class (L3 × L4 ×
 * application), and the per-layer totals are summed from the classes only
 * when someone reads them. No strings and no Map on the packet path.
 */
import { App, type Layers } from '../decode/packet.js';

export const L3_NAMES = ['ipv4', 'ipv6', 'arp', 'other'] as const;
export const L4_NAMES = ['tcp', 'udp', 'icmp', 'icmpv6', 'fragment', 'other-ip', 'none', 'other'] as const;
export const APP_NAMES = ['dns', 'mdns', 'llmnr', 'tls', 'quic', 'http', 'ssh', 'ntp', 'dhcp', 'smtp', 'ftp', 'other'] as const;
const enum L3 { V4, V6, Arp, Other }
const enum L4 { Tcp, Udp, Icmp, Icmp6, Fragment, OtherIp, None, Other }
const APP = Object.fromEntries(APP_NAMES.map((n, i) => [n, i])) as Record<(typeof APP_NAMES)[number], number>;
const N_L4 = L4_NAMES.length;
const N_APP = APP_NAMES.length;
const N_CLASSES = L3_NAMES.length * N_L4 * N_APP;

/**
 * Doubles of the mix's TCP share counted by the TCP analysis (tcp-analysis.ts,
 * maybe in its worker thread): packets and bytes per IP version (4, 6) and
 * application. TCP segments go there anyway with their ports and the
 * application the decoder recognised, so the packet thread does not classify
 * them (most packets of most captures are TCP).
 */
export const TCP_MIX_WORDS = 2 * N_APP * 2;

/**
 * The application code of TCP segment `l` for the TCP analysis' share of the
 * mix: 0 when the decoder recognised no payload (the analysis then goes by the
 * ports, as classify does), else classify's application + 1. At most 15.
 */
export function tcpAppCode(l: Layers): number {
  return l.app === App.None ? 0 : appIndex(l) + 1;
}

/** Counts a TCP segment of `bytes` bytes (IPv6 when `v6`, application code `code`, ports) into the TCP share `counts[at ...]`. */
export function addTcpMix(counts: Float64Array, at: number, v6: boolean, code: number, sport: number, dport: number, bytes: number): void {
  const app = code !== 0 ? code - 1 : TCP_PORT_APP[sport < dport ? sport : dport]!;
  const i = at + ((v6 ? N_APP : 0) + app) * 2;
  counts[i]! += 1;
  counts[i + 1]! += bytes;
}

/** Packet and byte totals of one layer's protocols (a read-side view, summed from the classes). */
export class ProtoCounter {
  readonly pktsAt: Float64Array;
  readonly bytesAt: Float64Array;
  constructor(readonly names: readonly string[]) {
    this.pktsAt = new Float64Array(names.length);
    this.bytesAt = new Float64Array(names.length);
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

export class ProtocolMix {
  /** Packets and bytes of each class side by side (an update touches one cache line). */
  private readonly counts = new Float64Array(N_CLASSES * 2);

  /** `tcp`: reads the TCP share (TCP_MIX_WORDS doubles, see addTcpMix), which `add` then never sees; null when `add` counts every packet. */
  constructor(private readonly tcp: (() => Float64Array) | null = null) {}

  /** Counts a packet of `len` bytes in class `cls` (from classify). */
  add(cls: number, len: number): void {
    const i = cls * 2;
    this.counts[i]! += 1;
    this.counts[i + 1]! += len;
  }

  get l3(): ProtoCounter {
    return this.layer(L3_NAMES, (c) => Math.floor(c / (N_L4 * N_APP)));
  }

  get l4(): ProtoCounter {
    return this.layer(L4_NAMES, (c) => Math.floor(c / N_APP) % N_L4);
  }

  get app(): ProtoCounter {
    return this.layer(APP_NAMES, (c) => c % N_APP);
  }

  private layer(names: readonly string[], of: (cls: number) => number): ProtoCounter {
    const out = new ProtoCounter(names);
    const put = (cls: number, counts: Float64Array, i: number): void => {
      const pkts = counts[i]!;
      if (pkts === 0) return;
      out.pktsAt[of(cls)]! += pkts;
      out.bytesAt[of(cls)]! += counts[i + 1]!;
    };
    for (let c = 0; c < N_CLASSES; c++) put(c, this.counts, c * 2);
    if (this.tcp !== null) {
      const t = this.tcp();
      for (let v6 = 0; v6 < 2; v6++) {
        for (let a = 0; a < N_APP; a++) put(((v6 === 1 ? L3.V6 : L3.V4) * N_L4 + L4.Tcp) * N_APP + a, t, (v6 * N_APP + a) * 2);
      }
    }
    return out;
  }
}

/** The combined class of the packet whose innermost layers are `l`. */
export function classify(l: Layers): number {
  const l3 = l.ipVersion === 4 ? L3.V4 : l.ipVersion === 6 ? L3.V6 : l.hasArp ? L3.Arp : L3.Other;
  let l4: number;
  if (l.hasTcp) l4 = L4.Tcp;
  else if (l.hasUdp) l4 = L4.Udp;
  else if (l.hasIcmp) l4 = l.ipVersion === 6 ? L4.Icmp6 : L4.Icmp;
  else if (l.ipVersion !== 0) l4 = l.ipIsFragment ? L4.Fragment : L4.OtherIp;
  else l4 = l3 === L3.Other ? L4.Other : L4.None;
  return (l3 * N_L4 + l4) * N_APP + appIndex(l);
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
