/**
 * IPv6 (RFC 8200) and its extension headers.
 *
 *   0 ver/tc/flow  4 payload length  6 next header  7 hop limit  8 src  24 dst  40 ext...
 *
 * Extension headers are walked with a bound check each; the walk stops at
 * ESP (encrypted), No Next Header, Mobility (an upper layer of its own) and
 * non-first fragments. A Jumbo Payload option (RFC 2675) in the hop-by-hop
 * header replaces a zero payload length.
 */
import { Csum, Ip6Ext, type Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { dispatchIpProto } from './ip-proto.js';

export const IPV6_HEADER_LEN = 40;
const PAYLOAD_LEN = 4;
const NEXT_HEADER = 6;
const HOP_LIMIT = 7;
const SRC = 8;
const DST = 24;

export const NH_HOP_BY_HOP = 0;
export const NH_ROUTING = 43;
export const NH_FRAGMENT = 44;
export const NH_ESP = 50;
export const NH_AH = 51;
export const NH_NO_NEXT = 59;
export const NH_DEST_OPTS = 60;
export const NH_MOBILITY = 135;
const FRAGMENT_HEADER_LEN = 8;
const OPT_PAD1 = 0;
const OPT_JUMBO = 0xc2;
/** Each header takes at least 8 bytes, so this bound is only a backstop against a runaway loop. */
const MAX_EXT_HEADERS = 1024;

function readWord(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export function decodeIpv6(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, depth: number, quoted: boolean): void {
  const avail = end - off;
  if (avail < 1) {
    l.fail('ipv6', 'truncated IPv6 header');
    return;
  }
  const version = b[off]! >>> 4;
  if (version !== 6) {
    l.fail('ipv6', `bad IP version ${version}`);
    return;
  }
  if (avail < IPV6_HEADER_LEN) {
    l.fail('ipv6', `truncated IPv6 header (${avail} of ${IPV6_HEADER_LEN} bytes)`);
    return;
  }
  l.ipVersion = 6;
  l.ipOff = off;
  const w0 = readWord(b, off);
  l.ipTos = (w0 >>> 20) & 0xff;
  l.ip6FlowLabel = w0 & 0xfffff;
  let plen = (b[off + PAYLOAD_LEN]! << 8) | b[off + PAYLOAD_LEN + 1]!;
  let nh = b[off + NEXT_HEADER]!;
  l.ipFirstNext = nh;
  l.ipTtl = b[off + HOP_LIMIT]!;
  const s = l.src6;
  const d = l.dst6;
  s[0] = readWord(b, off + SRC);
  s[1] = readWord(b, off + SRC + 4);
  s[2] = readWord(b, off + SRC + 8);
  s[3] = readWord(b, off + SRC + 12);
  d[0] = readWord(b, off + DST);
  d[1] = readWord(b, off + DST + 4);
  d[2] = readWord(b, off + DST + 8);
  d[3] = readWord(b, off + DST + 12);
  l.ipSrcOff = off + SRC;
  l.ipDstOff = off + DST;
  l.ipChecksumStatus = Csum.None;

  let p = off + IPV6_HEADER_LEN;
  let jumbo = -1;
  let upper = true;
  for (let i = 0; i < MAX_EXT_HEADERS && upper; i++) {
    let len: number;
    switch (nh) {
      case NH_HOP_BY_HOP:
      case NH_ROUTING:
      case NH_DEST_OPTS:
      case NH_AH: {
        if (end - p < 2) {
          l.fail('ipv6', 'truncated extension header');
          return;
        }
        len = nh === NH_AH ? (b[p + 1]! + 2) * 4 : (b[p + 1]! + 1) * 8;
        if (end - p < len) {
          if (quoted) return;
          l.fail('ipv6', 'truncated extension header');
          return;
        }
        if (nh === NH_HOP_BY_HOP) {
          l.ip6Ext |= Ip6Ext.HopByHop;
          jumbo = findJumbo(b, p + 2, p + len);
        } else if (nh === NH_ROUTING) l.ip6Ext |= Ip6Ext.Routing;
        else if (nh === NH_DEST_OPTS) l.ip6Ext |= Ip6Ext.DestOpts;
        else l.ip6Ext |= Ip6Ext.Ah;
        nh = b[p]!;
        p += len;
        break;
      }
      case NH_FRAGMENT: {
        if (end - p < FRAGMENT_HEADER_LEN) {
          if (quoted) return;
          l.fail('ipv6', 'truncated fragment header');
          return;
        }
        l.ip6Ext |= Ip6Ext.Fragment;
        const fo = (b[p + 2]! << 8) | b[p + 3]!;
        l.ipFragOffset = fo & 0xfff8;
        l.ipFlags = fo & 1;
        // An atomic fragment (offset 0, M clear, RFC 6946) is a whole datagram.
        l.ipIsFragment = l.ipFragOffset > 0 || l.ipFlags !== 0;
        l.ip6FragId = readWord(b, p + 4);
        nh = b[p]!;
        p += FRAGMENT_HEADER_LEN;
        break;
      }
      case NH_ESP:
        l.ip6Ext |= Ip6Ext.Esp;
        upper = false;
        break;
      case NH_NO_NEXT:
        l.ip6Ext |= Ip6Ext.NoNext;
        upper = false;
        break;
      case NH_MOBILITY:
        l.ip6Ext |= Ip6Ext.Mobility;
        upper = false;
        break;
      default:
        upper = false;
        // Reaching the upper layer ends the loop without consuming it.
        i = MAX_EXT_HEADERS;
        continue;
    }
    if (l.ipFragOffset > 0) break;
  }
  l.ipProto = nh;
  l.ipHdrLen = p - off;
  if (plen === 0 && jumbo >= 0) plen = jumbo;
  // Payload length 0 without a jumbo option: segmentation offload left it unset, use what was captured.
  if (plen === 0 && !quoted && avail > IPV6_HEADER_LEN) plen = avail - IPV6_HEADER_LEN;
  l.ipTotalLen = IPV6_HEADER_LEN + plen;
  const declEnd = off + IPV6_HEADER_LEN + plen;
  if (p > declEnd && !quoted) {
    l.fail('ipv6', `extension headers (${p - off - IPV6_HEADER_LEN} bytes) exceed payload length ${plen}`);
    return;
  }
  let pEnd = declEnd;
  if (pEnd > end) {
    pEnd = end;
    if (!quoted) l.truncated = true;
  }
  if (upper && l.ipFragOffset === 0) {
    // Still inside extension headers after the budget: a crafted chain.
    l.fail('ipv6', 'too many extension headers');
    return;
  }
  if (l.ipFragOffset > 0 || nh === NH_ESP || nh === NH_NO_NEXT || nh === NH_MOBILITY) return;
  dispatchIpProto(f, l, b, p, pEnd, declEnd - p, nh, depth, quoted);
}

/** Walks hop-by-hop options in b[p, end) and returns the Jumbo Payload length, or -1. */
function findJumbo(b: Uint8Array, p: number, end: number): number {
  while (p < end) {
    const type = b[p]!;
    if (type === OPT_PAD1) {
      p++;
      continue;
    }
    if (end - p < 2) return -1;
    const optLen = b[p + 1]!;
    if (type === OPT_JUMBO && optLen === 4 && end - p >= 6) return readWord(b, p + 2);
    p += 2 + optLen;
  }
  return -1;
}
