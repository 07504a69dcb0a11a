/**
 * ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861). The checksum covers
 * the IPv6 pseudo-header. Error messages (types 1-4) quote the offending
 * packet, decoded into `quoted`; NDP messages carry a target address and
 * options whose 8-byte-unit lengths are guarded (zero length is malformed).
 */
import type { Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { decodeIpv6 } from './ipv6.js';

export const ICMPV6_HEADER_LEN = 8;
const TYPE_PARAM_PROBLEM = 4;
const TYPE_ECHO_REQUEST = 128;
const TYPE_ECHO_REPLY = 129;
const TYPE_ROUTER_SOLICIT = 133;
const TYPE_ROUTER_ADVERT = 134;
const TYPE_NEIGHBOR_SOLICIT = 135;
const TYPE_NEIGHBOR_ADVERT = 136;
const TYPE_REDIRECT = 137;
const RA_OPTIONS = 16;
const NS_TARGET = 8;
const NS_OPTIONS = 24;
const REDIRECT_OPTIONS = 40;
const ADDR_LEN = 16;

export function decodeIcmpv6(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, declLen: number, depth: number, quoted: boolean): void {
  const avail = end - off;
  if (avail < 4) {
    if (!quoted) l.fail('icmpv6', 'truncated ICMPv6 header');
    return;
  }
  l.hasIcmp = true;
  l.l4Off = off;
  const type = b[off]!;
  l.icmpType = type;
  l.icmpCode = b[off + 1]!;
  l.icmpChecksum = (b[off + 2]! << 8) | b[off + 3]!;
  if (f.checksums && !quoted && l.ipVersion === 6) l.deferL4Checksum(b, off, end, declLen, 58, true);
  if (avail < ICMPV6_HEADER_LEN) {
    if (!quoted) l.fail('icmpv6', 'truncated ICMPv6 header');
    return;
  }
  l.payloadOff = off + ICMPV6_HEADER_LEN;
  l.payloadLen = avail - ICMPV6_HEADER_LEN;
  if (type === TYPE_ECHO_REQUEST || type === TYPE_ECHO_REPLY) {
    l.icmpId = (b[off + 4]! << 8) | b[off + 5]!;
    l.icmpSeq = (b[off + 6]! << 8) | b[off + 7]!;
    return;
  }
  if (quoted) return;
  if (type <= TYPE_PARAM_PROBLEM && type >= 1) {
    if (avail <= ICMPV6_HEADER_LEN) return;
    const q = l.quoted;
    if (q === null) return;
    q.reset();
    l.hasQuoted = true;
    decodeIpv6(f, q, b, off + ICMPV6_HEADER_LEN, end, depth, true);
    return;
  }
  let optOff = 0;
  switch (type) {
    case TYPE_ROUTER_SOLICIT:
      optOff = ICMPV6_HEADER_LEN;
      break;
    case TYPE_ROUTER_ADVERT:
      optOff = RA_OPTIONS;
      break;
    case TYPE_NEIGHBOR_SOLICIT:
    case TYPE_NEIGHBOR_ADVERT:
    case TYPE_REDIRECT:
      if (avail < NS_TARGET + ADDR_LEN) {
        l.fail('icmpv6', 'truncated neighbor discovery target');
        return;
      }
      l.ndpTargetOff = off + NS_TARGET;
      optOff = type === TYPE_REDIRECT ? REDIRECT_OPTIONS : NS_OPTIONS;
      break;
    default:
      return;
  }
  walkNdpOptions(l, b, off + optOff, end);
}

/** Checks the NDP option chain: each option's length (in 8-byte units) must be non-zero and fit. */
function walkNdpOptions(l: Layers, b: Uint8Array, p: number, end: number): void {
  while (p < end) {
    if (end - p < 2) {
      l.fail('icmpv6', 'truncated neighbor discovery option');
      return;
    }
    const len = b[p + 1]! * 8;
    if (len === 0) {
      l.fail('icmpv6', 'neighbor discovery option with length 0');
      return;
    }
    if (end - p < len) {
      l.fail('icmpv6', 'neighbor discovery option exceeds the message');
      return;
    }
    p += len;
  }
}
