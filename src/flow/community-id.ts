/**
 * Community ID v1 (https://github.com/corelight/community-id-spec): SHA-1
 * over seed (2 bytes, big-endian), source address, destination address,
 * protocol (1 byte), one zero byte, then source and destination port (2
 * bytes each, only for TCP, UDP, SCTP, ICMP and ICMPv6), with the endpoints
 * ordered so both directions give the same ID; "1:" + base64 of the digest.
 * Computed once per flow (at first use), never per packet.
 */
import * as crypto from 'node:crypto';
import type { Layers } from '../decode/packet.js';
import { K } from './layout.js';
import { icmpCounterpart } from './key.js';

/**
 * SHA-1 in base64. The one-shot crypto.hash (Node >= 20.12) is about 4x
 * cheaper than a createHash object for these 14-40 byte inputs, and this runs
 * once per ended flow; older Node 20 releases fall back to createHash.
 */
const sha1Base64: (b: Uint8Array) => string =
  typeof crypto.hash === 'function'
    ? (b) => crypto.hash('sha1', b, 'base64')
    : (b) => crypto.createHash('sha1').update(b).digest('base64');

function hasPortsInHash(proto: number): boolean {
  return proto === 6 || proto === 17 || proto === 132 || proto === 1 || proto === 58;
}

/** Community ID from explicit endpoints (addresses as 4 or 16 bytes). Ordering is applied here. */
export function communityIdOf(
  src: Uint8Array,
  dst: Uint8Array,
  proto: number,
  sport: number,
  dport: number,
  seed = 0,
): string {
  let oneWay = false;
  if (proto === 1 || proto === 58) {
    // ICMP: type/code become ports; request/reply types use the counterpart type.
    const pair = icmpCounterpart(sport, proto === 58);
    if (pair >= 0) dport = pair;
    else oneWay = true;
  }
  let swap = false;
  if (!oneWay) {
    let cmp = 0;
    for (let i = 0; i < src.length && cmp === 0; i++) cmp = src[i]! - dst[i]!;
    swap = cmp > 0 || (cmp === 0 && sport > dport);
  }
  const a = swap ? dst : src;
  const b = swap ? src : dst;
  const withPorts = hasPortsInHash(proto);
  const buf = new Uint8Array(2 + a.length * 2 + 2 + (withPorts ? 4 : 0));
  buf[0] = (seed >>> 8) & 255;
  buf[1] = seed & 255;
  buf.set(a, 2);
  buf.set(b, 2 + a.length);
  let o = 2 + a.length * 2;
  buf[o++] = proto;
  buf[o++] = 0;
  if (withPorts) {
    const p1 = swap ? dport : sport;
    const p2 = swap ? sport : dport;
    buf[o++] = p1 >>> 8;
    buf[o++] = p1 & 255;
    buf[o++] = p2 >>> 8;
    buf[o++] = p2 & 255;
  }
  return '1:' + sha1Base64(buf);
}

/** `n` address words of `w` from `off` as bytes, network order (IPv4: one word, IPv6: four). */
export function addrWordBytes(w: ArrayLike<number>, off: number, n: number): Uint8Array {
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const x = w[off + i]!;
    out[i * 4] = x >>> 24;
    out[i * 4 + 1] = (x >>> 16) & 255;
    out[i * 4 + 2] = (x >>> 8) & 255;
    out[i * 4 + 3] = x & 255;
  }
  return out;
}

/** Address words of key side `base` (K.LowAddr / K.HighAddr) as bytes. */
export function keyAddrBytes(k: Uint32Array, ko: number, base: number, v6: boolean): Uint8Array {
  return addrWordBytes(k, ko + base, v6 ? 4 : 1);
}

/** Community ID of a stored flow key; '' for non-IP flows. `fwdIsLow` orders one-way ICMP as first seen. */
export function communityIdOfKey(k: Uint32Array, ko: number, fwdIsLow: boolean): string {
  const meta = k[ko + K.Meta]!;
  const ver = (meta >>> 8) & 15;
  if (ver !== 4 && ver !== 6) return '';
  const proto = meta & 255;
  const v6 = ver === 6;
  const lo = keyAddrBytes(k, ko, K.LowAddr, v6);
  const hi = keyAddrBytes(k, ko, K.HighAddr, v6);
  const ports = k[ko + K.Ports]!;
  const lp = ports >>> 16;
  const hp = ports & 0xffff;
  return fwdIsLow ? communityIdOf(lo, hi, proto, lp, hp) : communityIdOf(hi, lo, proto, hp, lp);
}

/**
 * True when the flow key of the packet `l` is its own numbers, independent of
 * direction: an unfragmented TCP or UDP packet (the key's ports) or an ICMP
 * request/reply (type and its counterpart). Then communityIdOfTuple over the
 * packet's numbers equals the flow's ID, whichever direction the packet
 * travels. Elsewhere (fragments, one-way ICMP, other protocols) the key may
 * come from another packet or keep the first packet's order.
 */
export function tupleGivesFlowCommunityId(l: Layers): boolean {
  if (l.ipIsFragment) return false;
  if (l.hasTcp) return l.ipProto === 6;
  if (l.hasUdp) return l.ipProto === 17;
  return l.hasIcmp && (l.ipProto === 1 || l.ipProto === 58) && icmpCounterpart(l.icmpType, l.ipProto === 58) >= 0;
}

/**
 * Community ID from a packet's numbers (addresses as IPv4 values or IPv6
 * words; ports for TCP/UDP, else ICMP type and code), for packets where
 * tupleGivesFlowCommunityId holds.
 */
export function communityIdOfTuple(
  v6: boolean,
  src4: number,
  dst4: number,
  src6: ArrayLike<number> | null,
  dst6: ArrayLike<number> | null,
  proto: number,
  hasPorts: boolean,
  sport: number,
  dport: number,
  icmpType: number,
  icmpCode: number,
): string {
  const src = v6 ? addrWordBytes(src6!, 0, 4) : addrWordBytes([src4], 0, 1);
  const dst = v6 ? addrWordBytes(dst6!, 0, 4) : addrWordBytes([dst4], 0, 1);
  return hasPorts ? communityIdOf(src, dst, proto, sport, dport) : communityIdOf(src, dst, proto, icmpType, icmpCode);
}
