/**
 * IPv4 (RFC 791).
 *
 *   0 ver/ihl  1 tos  2 total length  4 id  6 flags/frag  8 ttl  9 proto
 *   10 checksum  12 src  16 dst  20 options
 *
 * `quoted`: the header sits inside an ICMP error, so the datagram is cut
 * short by design; no truncation mark, no tunnel following.
 */
import type { Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { dispatchIpProto } from './ip-proto.js';
import { decodeIpv6 } from './ipv6.js';

export const IPV4_MIN_HEADER = 20;
const TOTAL_LEN = 2;
const ID = 4;
const FLAGS_FRAG = 6;
const TTL = 8;
const PROTO = 9;
const CHECKSUM = 10;
const SRC = 12;
const DST = 16;
const MF = 1;

export function decodeIpv4(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, depth: number, quoted: boolean): void {
  const avail = end - off;
  if (avail < 1) {
    l.fail('ipv4', 'truncated IPv4 header');
    return;
  }
  const version = b[off]! >>> 4;
  // An IPv6 packet behind an IPv4 type (misconfigured sender): decode what it is, as tshark does.
  if (version === 6) {
    decodeIpv6(f, l, b, off, end, depth, quoted);
    return;
  }
  if (version !== 4) {
    l.fail('ipv4', `bad IP version ${version}`);
    return;
  }
  l.ipOff = off;
  const hlen = (b[off]! & 0x0f) * 4;
  l.ipHdrLen = hlen;
  if (hlen < IPV4_MIN_HEADER) {
    l.fail('ipv4', `bad header length ${hlen}`);
    return;
  }
  if (avail < hlen) {
    l.fail('ipv4', `truncated IPv4 header (${avail} of ${hlen} bytes)`);
    return;
  }
  l.ipTos = b[off + 1]!;
  let total = (b[off + TOTAL_LEN]! << 8) | b[off + TOTAL_LEN + 1]!;
  // Total length 0 is what TCP segmentation offload leaves in captured outgoing packets.
  if (total === 0 && !quoted) total = avail;
  l.ipTotalLen = total;
  if (total < hlen) {
    l.fail('ipv4', `total length ${total} shorter than header length ${hlen}`);
    return;
  }
  // Only a header that passed the length checks counts as IPv4 for later stages.
  l.ipVersion = 4;
  l.ipId = (b[off + ID]! << 8) | b[off + ID + 1]!;
  const ff = (b[off + FLAGS_FRAG]! << 8) | b[off + FLAGS_FRAG + 1]!;
  l.ipFlags = ff >>> 13;
  l.ipFragOffset = (ff & 0x1fff) * 8;
  l.ipIsFragment = (l.ipFlags & MF) !== 0 || l.ipFragOffset > 0;
  l.ipTtl = b[off + TTL]!;
  const proto = b[off + PROTO]!;
  l.ipFirstNext = proto;
  l.ipProto = proto;
  l.ipChecksum = (b[off + CHECKSUM]! << 8) | b[off + CHECKSUM + 1]!;
  l.src4 = ((b[off + SRC]! << 24) | (b[off + SRC + 1]! << 16) | (b[off + SRC + 2]! << 8) | b[off + SRC + 3]!) >>> 0;
  l.dst4 = ((b[off + DST]! << 24) | (b[off + DST + 1]! << 16) | (b[off + DST + 2]! << 8) | b[off + DST + 3]!) >>> 0;
  l.ipSrcOff = off + SRC;
  l.ipDstOff = off + DST;
  l.ipOptionsLen = hlen - IPV4_MIN_HEADER;
  if (f.checksums) l.deferIpChecksum(b);
  let pEnd = off + total;
  if (pEnd > end) {
    pEnd = end;
    if (!quoted) l.truncated = true;
  }
  // Non-first fragments carry no transport header.
  if (l.ipFragOffset > 0) return;
  dispatchIpProto(f, l, b, off + hlen, pEnd, total - hlen, proto, depth, quoted);
}
