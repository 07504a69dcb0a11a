/**
 * Builds the bidirectional flow key of a packet into a reused Uint32Array
 * (layout in layout.ts, K.*) without allocating: the two endpoints are put
 * in canonical order (lower address, then lower port, first) so both
 * directions hash alike, and `srcIsLow` says which side sent this packet.
 *
 * - TCP, UDP, SCTP, UDP-Lite, DCCP: protocol, addresses, ports.
 * - ICMP / ICMPv6: "ports" are the type and its counterpart type for
 *   request/reply pairs (echo, timestamp, info, mask, ND, MLD...), as
 *   Zeek and Community ID do, so a request and its reply share a flow; the
 *   echo identifier is part of the key, so concurrent pings stay apart.
 *   Other ICMP types use type and code.
 * - Other IP protocols: protocol and addresses.
 * - Non-IP frames: source and destination MAC and the EtherType.
 *
 * The key is taken from the innermost IP header of tunnels.
 */
import { Encap, type Layers, type Packet } from '../decode/packet.js';
import { K, KeyKind } from './layout.js';

const ICMP4_PAIR = new Int16Array(256).fill(-1);
const ICMP6_PAIR = new Int16Array(256).fill(-1);
for (const [a, b] of [
  [8, 0],
  [13, 14],
  [15, 16],
  [17, 18],
] as const) {
  ICMP4_PAIR[a] = b;
  ICMP4_PAIR[b] = a;
}
// Router solicitation maps to advertisement, but not back (as Zeek's ICMP4_counterpart).
ICMP4_PAIR[10] = 9;
for (const [a, b] of [
  [128, 129],
  [133, 134],
  [135, 136],
  [130, 131],
  [139, 140],
  [144, 145],
] as const) {
  ICMP6_PAIR[a] = b;
  ICMP6_PAIR[b] = a;
}

/** Counterpart ICMP type (Community ID / Zeek), or -1 for one-way messages. */
export function icmpCounterpart(type: number, v6: boolean): number {
  return (v6 ? ICMP6_PAIR : ICMP4_PAIR)[type & 255]!;
}

/** Protocols whose first four transport bytes are source and destination ports. */
function hasPorts(proto: number): boolean {
  return proto === 6 || proto === 17 || proto === 132 || proto === 136 || proto === 33;
}

/** The level whose network layer the flow is keyed on: innermost tunnel level that has IP. */
export function flowLayers(pkt: Packet): Layers {
  let best: Layers = pkt;
  let cur: Layers = pkt;
  while (cur.encap !== Encap.None && cur.inner !== null) {
    cur = cur.inner;
    if (cur.ipVersion !== 0) best = cur;
  }
  return best;
}

export class KeyBuilder {
  readonly key = new Uint32Array(K.Words);
  /** True when the packet's sender is the key's low endpoint. */
  srcIsLow = true;
  /** ICMP one-way message: Community ID keeps the packet's own order. */
  oneWay = false;
  /** Raw endpoint values of the packet as sent (for Community ID / export). */
  sport = 0;
  dport = 0;

  /** Fills `key` from `l` (the level chosen by flowLayers) and the frame. Returns false when no key can be built. */
  build(pkt: Packet, l: Layers): boolean {
    const k = this.key;
    const d = pkt.bytes;
    const base = pkt.byteStart;
    this.oneWay = false;
    if (l.ipVersion === 0) {
      if (!pkt.hasEth || pkt.caplen < pkt.ethOff + 12) return false;
      // Non-IP: MACs as 6 bytes packed into two words each (4 + 2 bytes).
      const o = base + pkt.ethOff;
      const dstHi = ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;
      const dstLo = (d[o + 4]! << 8) | d[o + 5]!;
      const srcHi = ((d[o + 6]! << 24) | (d[o + 7]! << 16) | (d[o + 8]! << 8) | d[o + 9]!) >>> 0;
      const srcLo = (d[o + 10]! << 8) | d[o + 11]!;
      const srcLow = srcHi < dstHi || (srcHi === dstHi && srcLo <= dstLo);
      this.srcIsLow = srcLow;
      k[K.Meta] = KeyKind.NonIp << 12;
      k[K.LowAddr] = srcLow ? srcHi : dstHi;
      k[K.LowAddr + 1] = srcLow ? srcLo : dstLo;
      k[K.LowAddr + 2] = 0;
      k[K.LowAddr + 3] = 0;
      k[K.HighAddr] = srcLow ? dstHi : srcHi;
      k[K.HighAddr + 1] = srcLow ? dstLo : srcLo;
      k[K.HighAddr + 2] = 0;
      k[K.HighAddr + 3] = 0;
      k[K.Ports] = 0;
      k[K.Extra] = pkt.netType;
      this.sport = this.dport = 0;
      k[K.Hash] = hashKey(k);
      return true;
    }
    const v6 = l.ipVersion === 6;
    const proto = l.ipProto;
    let sp = 0;
    let dp = 0;
    let extra = 0;
    if (l.hasTcp || l.hasUdp) {
      sp = l.sport;
      dp = l.dport;
    } else if (l.hasIcmp) {
      const pair = icmpCounterpart(l.icmpType, v6);
      sp = l.icmpType;
      if (pair >= 0) {
        dp = pair;
        if (l.icmpId >= 0) extra = l.icmpId;
      } else {
        dp = l.icmpCode;
        this.oneWay = true;
      }
    } else if (hasPorts(proto) && !l.ipIsFragment && l.ipOff + l.ipHdrLen + 4 <= pkt.caplen) {
      const o = base + l.ipOff + l.ipHdrLen;
      sp = (d[o]! << 8) | d[o + 1]!;
      dp = (d[o + 2]! << 8) | d[o + 3]!;
    }
    this.sport = sp;
    this.dport = dp;
    // Compare source and destination (address words, then port).
    let cmp = 0;
    if (v6) {
      for (let i = 0; i < 4 && cmp === 0; i++) {
        const a = l.src6[i]!;
        const b = l.dst6[i]!;
        cmp = a < b ? -1 : a > b ? 1 : 0;
      }
    } else {
      cmp = l.src4 < l.dst4 ? -1 : l.src4 > l.dst4 ? 1 : 0;
    }
    if (cmp === 0) cmp = sp < dp ? -1 : sp > dp ? 1 : 0;
    const srcLow = cmp <= 0;
    this.srcIsLow = srcLow;
    k[K.Meta] = proto | (l.ipVersion << 8) | (KeyKind.Ip << 12);
    if (v6) {
      const lo = srcLow ? l.src6 : l.dst6;
      const hi = srcLow ? l.dst6 : l.src6;
      k[K.LowAddr] = lo[0]!;
      k[K.LowAddr + 1] = lo[1]!;
      k[K.LowAddr + 2] = lo[2]!;
      k[K.LowAddr + 3] = lo[3]!;
      k[K.HighAddr] = hi[0]!;
      k[K.HighAddr + 1] = hi[1]!;
      k[K.HighAddr + 2] = hi[2]!;
      k[K.HighAddr + 3] = hi[3]!;
    } else {
      k[K.LowAddr] = srcLow ? l.src4 : l.dst4;
      k[K.HighAddr] = srcLow ? l.dst4 : l.src4;
      k[K.LowAddr + 1] = k[K.LowAddr + 2] = k[K.LowAddr + 3] = 0;
      k[K.HighAddr + 1] = k[K.HighAddr + 2] = k[K.HighAddr + 3] = 0;
    }
    k[K.Ports] = srcLow ? ((sp << 16) | dp) >>> 0 : ((dp << 16) | sp) >>> 0;
    k[K.Extra] = extra;
    k[K.Hash] = hashKey(k);
    return true;
  }
}

/** One murmur3 block step: mixes word `w` into `h`. */
function mix(h: number, w: number): number {
  w = Math.imul(w, 0xcc9e2d51);
  w = (w << 15) | (w >>> 17);
  w = Math.imul(w, 0x1b873593);
  h ^= w;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * 32-bit hash of key words 0..10 (murmur3-style mixing; no allocation). An
 * IPv4 key's address words 1..3 are always zero, so they are left out: five
 * mixing steps instead of eleven for the common case. The hash is internal
 * to the index (never exported), so only consistency matters.
 */
export function hashKey(k: Uint32Array): number {
  let h = 0x9747b28c;
  h = mix(h, k[K.Meta]!);
  h = mix(h, k[K.LowAddr]!);
  h = mix(h, k[K.HighAddr]!);
  if (((k[K.Meta]! >>> 8) & 15) !== 4) {
    for (let i = 1; i < 4; i++) {
      h = mix(h, k[K.LowAddr + i]!);
      h = mix(h, k[K.HighAddr + i]!);
    }
  }
  h = mix(h, k[K.Ports]!);
  h = mix(h, k[K.Extra]!);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
