/**
 * The contract every detector follows, and the alert it produces. Detectors
 * read the reused Packet on the hot path and build strings only when they
 * alert; the stage (stage.ts) turns an Alert into an EVE record, applies
 * suppression and publishes it on the EventBus.
 */
import { type Layers, type Packet, TcpFlag } from '../decode/packet.js';
import type { EventRecord } from '../pipeline.js';
import { formatIPv4, formatIPv6Words } from '../util/format.js';

export interface Signature {
  readonly id: number;
  readonly name: string;
  readonly category: string;
  /** Suricata convention: 1 high, 2 medium, 3 low. */
  readonly severity: 1 | 2 | 3;
}

/** The endpoints an alert names (strings: alerts are rare, formatting happens here). */
export interface AlertTuple {
  srcIp: string;
  srcPort: number | null;
  destIp: string;
  destPort: number | null;
  /** "TCP", "UDP", "ICMP", "IPv6-ICMP" or the protocol number. */
  proto: string;
  flowId: number | null;
  communityId: string | null;
}

export interface Alert {
  tsSec: number;
  tsNsec: number;
  tuple: AlertTuple;
  sig: Signature;
  /** Which detector raised it (packet-size, dns, portscan, flood, intel). */
  detector: string;
  /** Thresholds, counts and scores that made it fire. */
  evidence: Record<string, unknown>;
  /** Key the suppression tracks by (default: the source address). */
  trackBy?: string;
}

/** What a detector may use besides the packet. */
export interface DetectContext {
  /** Link MTU (live: the interface's; files: --mtu, config, or 1500). */
  readonly mtu: number;
  /** Number of the packet, tick or end of input being processed (orders alerts raised on other threads). */
  readonly event: number;
  /** Raise an alert (the stage suppresses and publishes it). */
  alert(a: Alert): void;
  /** The key suppression tracks an alert of signature `sigId` by (`track`: trackBy or the source address). */
  suppressionKey(track: string, sigId: number): string;
  /**
   * For detectors that would alert on every packet of a host: true when an
   * alert with this suppression key would be suppressed now, in which case it
   * is counted as raised and suppressed and need not be built.
   */
  suppressed(key: string, tsSec: number): boolean;
  /** Human message for stderr (never secrets). */
  log(msg: string): void;
}

/** A flow record as published on the bus by the flow stage (only the fields detectors read). */
export interface FlowEvent extends EventRecord {
  src_ip?: string;
  dest_ip?: string;
  src_port?: number;
  dest_port?: number;
  proto?: string;
  flow_id?: number;
  community_id?: string;
}

export interface Detector {
  readonly name: string;
  onPacket(pkt: Packet, ctx: DetectContext): void;
  /** An ended flow (from the flow stage). */
  onFlow?(rec: FlowEvent, ctx: DetectContext): void;
  /** Packet time advanced (once per second of packet time). */
  onTick?(tsSec: number, ctx: DetectContext): void;
  /** End of input: flush pending state; may await outstanding look-ups. */
  onEnd?(tsSec: number, ctx: DetectContext): void | Promise<void>;
  /** Counters (table sizes, evictions, alerts) for logs and tests. */
  stats(): Record<string, number>;
  /** One-time set-up to finish before packets flow (open files, warm clients). */
  ready?(): Promise<void>;
  /** Release timers, watchers, databases. */
  close?(): void | Promise<void>;
}

const PROTO_NAMES: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'IPv6-ICMP', 132: 'SCTP', 47: 'GRE' };

/**
 * A bare ACK (no payload; no SYN, FIN or RST) of a connection whose handshake
 * completed before it (FlowRef.established). The scan and flood detectors
 * pass over it: it is neither a probe (a scan's probe opens no connection
 * first) nor an answer to one (SYN/ACK, RST, ICMP errors), and the handshake's
 * own ACK, which is not such a packet, already closed its half-open entry.
 * Most packets of a bulk transfer that are not data are these; passing over
 * them keeps them off the detectors' ring (thread/record.ts `wanted`).
 */
export function isEstablishedBareAck(pkt: Packet, l: Layers): boolean {
  return (
    l.hasTcp &&
    l.payloadLen === 0 &&
    (l.tcpFlags & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST | TcpFlag.ACK)) === TcpFlag.ACK &&
    pkt.flow !== null &&
    pkt.flow.established
  );
}

export function protoName(p: number): string {
  return PROTO_NAMES[p] ?? String(p);
}

export function srcAddrText(l: Layers): string {
  return l.ipVersion === 4 ? formatIPv4(l.src4) : formatIPv6Words(l.src6);
}

export function dstAddrText(l: Layers): string {
  return l.ipVersion === 4 ? formatIPv4(l.dst4) : formatIPv6Words(l.dst6);
}

/** The tuple of the packet's innermost IP layer, plus its flow when the flow stage named one. */
export function tupleOf(pkt: Packet, l: Layers = pkt.innermost()): AlertTuple {
  const hasPorts = l.hasTcp || l.hasUdp;
  return {
    srcIp: l.ipVersion !== 0 ? srcAddrText(l) : '',
    srcPort: hasPorts ? l.sport : null,
    destIp: l.ipVersion !== 0 ? dstAddrText(l) : '',
    destPort: hasPorts ? l.dport : null,
    proto: protoName(l.ipProto),
    flowId: pkt.flow?.flowId ?? null,
    communityId: pkt.flow?.communityId ?? null,
  };
}

/** The same tuple seen from the other side (to name the target as destination). */
export function reverseTuple(t: AlertTuple): AlertTuple {
  return { ...t, srcIp: t.destIp, srcPort: t.destPort, destIp: t.srcIp, destPort: t.srcPort };
}

/** Vowels for the prototype DNS heuristic. */
export function countVowels(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (c === 97 || c === 101 || c === 105 || c === 111 || c === 117) n++;
  }
  return n;
}
