/**
 * What the threaded detectors (DNS, port scans, floods) read of a packet, as
 * a record in the shared ring (threaded-detectors.ts writes it on the packet
 * thread, the worker reads it back into a Packet the detectors take
 * unchanged). A record is a fixed first slot of SLOT_WORDS 32-bit words
 * (IPv4 addresses in it), then, only when needed, IPv6 addresses, the
 * ICMP-quoted tuple, the flow's key (for its Community ID) and a DNS
 * message's bytes, which the worker decodes again with the same decoder.
 *
 * Besides packets the ring carries the stage's other events in order: ticks,
 * end of input, a request for the detectors' counters, and padding (a record
 * never straddles the ring's end).
 */
import { decodeDns } from '../../decode/app/dns.js';
import { App, Encap, type FlowRef, type Layers, type Packet } from '../../decode/packet.js';
import { communityIdOfKey, communityIdOfTuple, tupleGivesFlowCommunityId } from '../../flow/community-id.js';
import { isEstablishedBareAck } from '../detector.js';

export const SLOT_WORDS = 16;
/** Words of a flow key copied for its Community ID (K.Meta to K.Ports, see flow/layout.ts). */
export const KEY_WORDS = 10;

export const Rec = { Packet: 0, Tick: 1, End: 2, Stats: 3, Pad: 4 } as const;

// Word offsets in a record (doubles at even words).
/** f64: the stage's event number (orders alerts across threads). */
const W_EVENT = 0;
/** f64: packet seconds (tick / end: the time passed on). */
const W_SEC = 2;
const W_NSEC = 4;
/** Record type (3 bits) | B_* flags | slots << SLOTS_SHIFT. */
const W_BITS = 5;
/** sport << 16 | dport. */
const W_PORTS = 6;
/** tcpFlags | tcpHdrLen << 16 | ipProto << 24. */
const W_TCP = 7;
const W_PAYLOAD = 8;
const W_LEN = 9;
/** icmpType | icmpCode << 8 | ipFragOffset << 16. */
const W_ICMP = 10;
/** The quoted tuple's sport << 16 | dport. */
const W_QPORTS = 11;
/** f64: flow id (0: no flow). */
const W_FLOW = 12;
const W_SRC4 = 14;
const W_DST4 = 15;
/** Optional parts start here, in this order: IPv6 addresses (8), quoted addresses (2 or 8), flow key (KEY_WORDS), DNS message (1 + bytes / 4). */
const W_EXT = 16;

const B_V6 = 1 << 3;
const B_TCP = 1 << 4;
const B_UDP = 1 << 5;
const B_ICMP = 1 << 6;
const B_FRAG = 1 << 7;
const B_QUOTED = 1 << 8;
const B_Q_V6 = 1 << 9;
const B_Q_TCP = 1 << 10;
const B_Q_UDP = 1 << 11;
const B_FLOW = 1 << 12;
const B_FWD = 1 << 13;
const B_KEY = 1 << 14;
const B_FWD_IS_LOW = 1 << 15;
const B_DNS = 1 << 16;
const B_EST = 1 << 17;
/** The DNS part's first word: bytes | B_DNS_TCP. */
const B_DNS_TCP = 1 << 20;
/** DNS bytes a record carries: a TCP message with its length prefix at most (UDP payloads are smaller). */
const MAX_DNS_BYTES = 65537;
/** A record's slot count sits in the top 12 bits of W_BITS. */
const SLOTS_SHIFT = 20;
const TYPE_MASK = 7;

/** Most slots a record takes (a DNS message of MAX_DNS_BYTES). */
export const MAX_RECORD_SLOTS = Math.ceil((W_EXT + 8 + 8 + KEY_WORDS + 1 + Math.ceil(MAX_DNS_BYTES / 4)) / SLOT_WORDS);
if (MAX_RECORD_SLOTS >= 1 << (32 - SLOTS_SHIFT)) throw new Error('record: slot count field too narrow');

const TCP_SYN = 0x02;
const TCP_FIN = 0x01;
const TCP_RST = 0x04;
const TCP_ACK = 0x10;

/**
 * Whether the detectors can act on `l` (the packet's innermost level): an IP
 * packet carrying TCP other than a plain data segment or a bare ACK of an
 * established connection (detector.ts `isEstablishedBareAck`), UDP, ICMP, or
 * a fragment; with `dns`, also a DNS message over TCP. The detectors return
 * at once on anything else; skipping it here keeps the bulk of a transfer
 * (data segments and their ACKs) off the ring.
 */
export function wanted(pkt: Packet, l: Layers, dns: boolean): boolean {
  if (l.ipVersion === 0) return false;
  if (l.hasTcp) {
    if (l.payloadLen > 0) return (l.tcpFlags & (TCP_SYN | TCP_FIN | TCP_RST | TCP_ACK)) !== TCP_ACK || (dns && isDns(l));
    return !isEstablishedBareAck(pkt, l);
  }
  return l.hasUdp || l.hasIcmp || l.ipIsFragment;
}

/** A (unicast) DNS message, the DNS detector's input: its bytes go along. */
function isDns(l: Layers): boolean {
  return l.app === App.Dns && l.dns.flavour === 'dns';
}

/** Bytes of the DNS message of `l` the record carries (what the decoder read: the payload, a TCP message at most). */
function dnsBytes(l: Layers): number {
  return l.payloadLen < MAX_DNS_BYTES ? l.payloadLen : MAX_DNS_BYTES;
}

/** Slots the record of `l` takes (`dns`: DNS messages go along). */
export function packetSlots(pkt: Packet, l: Layers, dns: boolean): number {
  const withDns = dns && isDns(l);
  // The common case first: IPv4 TCP or UDP, nothing quoted, no key, no DNS.
  if (l.ipVersion === 4 && !l.hasQuoted && !withDns && !needsKey(pkt, l)) return 1;
  let words = W_EXT;
  if (l.ipVersion === 6) words += 8;
  if (l.hasQuoted && l.quoted !== null && l.quoted.ipVersion !== 0) words += l.quoted.ipVersion === 6 ? 8 : 2;
  if (needsKey(pkt, l)) words += KEY_WORDS;
  if (withDns) words += 1 + ((dnsBytes(l) + 3) >>> 2);
  return (words + SLOT_WORDS - 1) >>> 4;
}

/**
 * Community ID of the packet's flow is computed from the packet's own tuple
 * on the other side where that gives the flow's (tupleGivesFlowCommunityId:
 * TCP, UDP, two-way ICMP; checked on every capture of the corpus). For
 * anything else (one-way ICMP, first seen in either direction, fragments,
 * other protocols) the flow's key goes along.
 */
function needsKey(pkt: Packet, l: Layers): boolean {
  return pkt.flow !== null && !tupleGivesFlowCommunityId(l);
}

/**
 * Writes the packet record at word `o` (its `slots` = packetSlots(pkt, l,
 * dns) slots must be free); `b` is the same memory as bytes.
 */
export function writePacket(u: Uint32Array, f: Float64Array, b: Uint8Array, o: number, slots: number, event: number, pkt: Packet, l: Layers, dns: boolean): void {
  const flow = pkt.flow;
  let bits = Rec.Packet | (slots << SLOTS_SHIFT) | (l.hasTcp ? B_TCP : 0) | (l.hasUdp ? B_UDP : 0) | (l.hasIcmp ? B_ICMP : 0) | (l.ipIsFragment ? B_FRAG : 0);
  f[(o + W_EVENT) >> 1] = event;
  f[(o + W_SEC) >> 1] = pkt.tsSec;
  u[o + W_NSEC] = pkt.tsNsec;
  u[o + W_PORTS] = (l.sport << 16) | l.dport;
  u[o + W_TCP] = l.tcpFlags | (l.tcpHdrLen << 16) | (l.ipProto << 24);
  u[o + W_PAYLOAD] = l.payloadLen;
  u[o + W_LEN] = pkt.len;
  u[o + W_ICMP] = l.icmpType | (l.icmpCode << 8) | (l.ipFragOffset << 16);
  if (flow !== null) {
    f[(o + W_FLOW) >> 1] = flow.flowId;
    bits |= (flow.lastDirForward ? B_FLOW | B_FWD : B_FLOW) | (flow.established ? B_EST : 0);
  }
  if (l.ipVersion === 4) {
    u[o + W_SRC4] = l.src4;
    u[o + W_DST4] = l.dst4;
    if (slots === 1) {
      u[o + W_BITS] = bits;
      return;
    }
  }
  let e = o + W_EXT;
  if (l.ipVersion === 6) {
    bits |= B_V6;
    e = words6(u, e, l.src6, l.dst6);
  }
  const q = l.quoted;
  if (l.hasQuoted && q !== null && q.ipVersion !== 0) {
    bits |= B_QUOTED | (q.hasTcp ? B_Q_TCP : 0) | (q.hasUdp ? B_Q_UDP : 0);
    u[o + W_QPORTS] = (q.sport << 16) | q.dport;
    if (q.ipVersion === 4) {
      u[e] = q.src4;
      u[e + 1] = q.dst4;
      e += 2;
    } else {
      bits |= B_Q_V6;
      e = words6(u, e, q.src6, q.dst6);
    }
  }
  if (flow !== null && needsKey(pkt, l)) {
    bits |= B_KEY;
    if (flow.copyKey(u, e)) bits |= B_FWD_IS_LOW;
    e += KEY_WORDS;
  }
  if (dns && isDns(l)) {
    bits |= B_DNS;
    const n = dnsBytes(l);
    u[e] = n | (l.dns.transport === 'tcp' ? B_DNS_TCP : 0);
    // The frame's bytes (offsets are frame-relative after decoding); a loop, as a subarray would allocate.
    const src = pkt.bytes;
    const from = pkt.byteStart + l.payloadOff;
    const to = (e + 1) * 4;
    for (let i = 0; i < n; i++) b[to + i] = src[from + i]!;
  }
  u[o + W_BITS] = bits;
}

/** Writes two IPv6 addresses (four words each) at `e`; returns the word after them. */
function words6(u: Uint32Array, e: number, a: Uint32Array, b: Uint32Array): number {
  u[e] = a[0]!;
  u[e + 1] = a[1]!;
  u[e + 2] = a[2]!;
  u[e + 3] = a[3]!;
  u[e + 4] = b[0]!;
  u[e + 5] = b[1]!;
  u[e + 6] = b[2]!;
  u[e + 7] = b[3]!;
  return e + 8;
}

/** Writes a record of type `type` (tick, end, stats: one slot; padding: `slots`) at word `o`. */
export function writeControl(u: Uint32Array, f: Float64Array, o: number, type: number, slots: number, event: number, tsSec: number): void {
  f[(o + W_EVENT) >> 1] = event;
  f[(o + W_SEC) >> 1] = tsSec;
  u[o + W_BITS] = type | (slots << SLOTS_SHIFT);
}

export function recordType(u: Uint32Array, o: number): number {
  return u[o + W_BITS]! & TYPE_MASK;
}

export function recordSlots(u: Uint32Array, o: number): number {
  return u[o + W_BITS]! >>> SLOTS_SHIFT;
}

export function recordEvent(f: Float64Array, o: number): number {
  return f[(o + W_EVENT) >> 1]!;
}

export function recordSec(f: Float64Array, o: number): number {
  return f[(o + W_SEC) >> 1]!;
}

/** The flow of a packet read back from a record: its id, direction, and Community ID on demand. */
export class RecordFlowRef implements FlowRef {
  flowId = 0;
  lastDirForward = true;
  established = false;
  /** The flow key (when the record carried one) and its orientation. */
  readonly key = new Uint32Array(KEY_WORDS);
  hasKey = false;
  fwdIsLow = false;
  constructor(private readonly pkt: Packet) {}

  get communityId(): string {
    if (this.hasKey) return communityIdOfKey(this.key, 0, this.fwdIsLow);
    const l = this.pkt;
    return communityIdOfTuple(l.ipVersion === 6, l.src4, l.dst4, l.src6, l.dst6, l.ipProto, l.hasTcp || l.hasUdp, l.sport, l.dport, l.icmpType, l.icmpCode);
  }

  copyKey(out: Uint32Array, off: number): boolean {
    out.set(this.key, off);
    return this.fwdIsLow;
  }
}

/**
 * Fills `pkt` (a Packet of the worker's own, its innermost level itself) and
 * `ref` from the packet record at word `o`: every field the detectors read.
 * A DNS message is decoded from the record's bytes (`b`: the same memory as
 * bytes), whose names the detector then renders from there.
 */
export function readPacket(u: Uint32Array, f: Float64Array, b: Uint8Array, o: number, pkt: Packet, ref: RecordFlowRef): void {
  const bits = u[o + W_BITS]!;
  pkt.encap = Encap.None;
  pkt.app = App.None;
  pkt.tsSec = f[(o + W_SEC) >> 1]!;
  pkt.tsNsec = u[o + W_NSEC]!;
  pkt.len = u[o + W_LEN]!;
  const ports = u[o + W_PORTS]!;
  pkt.sport = ports >>> 16;
  pkt.dport = ports & 0xffff;
  const tcp = u[o + W_TCP]!;
  pkt.tcpFlags = tcp & 0xffff;
  pkt.tcpHdrLen = (tcp >>> 16) & 0xff;
  pkt.ipProto = tcp >>> 24;
  pkt.payloadLen = u[o + W_PAYLOAD]!;
  const icmp = u[o + W_ICMP]!;
  pkt.icmpType = icmp & 0xff;
  pkt.icmpCode = (icmp >>> 8) & 0xff;
  pkt.ipFragOffset = icmp >>> 16;
  pkt.hasTcp = (bits & B_TCP) !== 0;
  pkt.hasUdp = (bits & B_UDP) !== 0;
  pkt.hasIcmp = (bits & B_ICMP) !== 0;
  pkt.ipIsFragment = (bits & B_FRAG) !== 0;
  let e = o + W_EXT;
  if ((bits & B_V6) === 0) {
    pkt.ipVersion = 4;
    pkt.src4 = u[o + W_SRC4]!;
    pkt.dst4 = u[o + W_DST4]!;
  } else {
    pkt.ipVersion = 6;
    pkt.src6.set(u.subarray(e, e + 4));
    pkt.dst6.set(u.subarray(e + 4, e + 8));
    e += 8;
  }
  const q = pkt.quoted!;
  pkt.hasQuoted = (bits & B_QUOTED) !== 0;
  if (pkt.hasQuoted) {
    const qp = u[o + W_QPORTS]!;
    q.sport = qp >>> 16;
    q.dport = qp & 0xffff;
    q.hasTcp = (bits & B_Q_TCP) !== 0;
    q.hasUdp = (bits & B_Q_UDP) !== 0;
    if ((bits & B_Q_V6) === 0) {
      q.ipVersion = 4;
      q.src4 = u[e]!;
      q.dst4 = u[e + 1]!;
      e += 2;
    } else {
      q.ipVersion = 6;
      q.src6.set(u.subarray(e, e + 4));
      q.dst6.set(u.subarray(e + 4, e + 8));
      e += 8;
    }
  }
  pkt.flow = null;
  if ((bits & B_FLOW) !== 0) {
    ref.flowId = f[(o + W_FLOW) >> 1]!;
    ref.lastDirForward = (bits & B_FWD) !== 0;
    ref.established = (bits & B_EST) !== 0;
    ref.hasKey = (bits & B_KEY) !== 0;
    pkt.flow = ref;
  }
  if ((bits & B_KEY) !== 0) {
    ref.key.set(u.subarray(e, e + KEY_WORDS));
    ref.fwdIsLow = (bits & B_FWD_IS_LOW) !== 0;
    e += KEY_WORDS;
  }
  if ((bits & B_DNS) !== 0) {
    const w = u[e]!;
    decodeDns(pkt, b, (e + 1) * 4, w & (B_DNS_TCP - 1), (w & B_DNS_TCP) !== 0 ? 'tcp' : 'udp', 'dns');
  }
}
