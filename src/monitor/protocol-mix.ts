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
    for (let c = 0; c < N_CLASSES; c++) {
      const pkts = this.counts[c * 2]!;
      if (pkts === 0) continue;
      out.pktsAt[of(c)]! += pkts;
      out.bytesAt[of(c)]! += this.counts[c * 2 + 1]!;
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
