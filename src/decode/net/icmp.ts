/**
 * ICMP for IPv4 (RFC 792): type, code, checksum over the whole message,
 * identifier/sequence of the query types, and the IP header (plus the first
 * 8 bytes of its payload) that error messages quote, decoded into `quoted`.
 */
import type { Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { decodeIpv4 } from './ipv4.js';

export const ICMP_HEADER_LEN = 8;
const TYPE_ECHO_REPLY = 0;
const TYPE_UNREACH = 3;
const TYPE_SOURCE_QUENCH = 4;
const TYPE_REDIRECT = 5;
const TYPE_ECHO = 8;
const TYPE_TIME_EXCEEDED = 11;
const TYPE_PARAM_PROBLEM = 12;
const TYPE_TIMESTAMP = 13;
const TYPE_MASK_REPLY = 18;

function isQuery(type: number): boolean {
  // Echo, timestamp, information and address-mask messages carry id/seq.
  return type === TYPE_ECHO_REPLY || type === TYPE_ECHO || (type >= TYPE_TIMESTAMP && type <= TYPE_MASK_REPLY);
}

function isError(type: number): boolean {
  return type === TYPE_UNREACH || type === TYPE_SOURCE_QUENCH || type === TYPE_REDIRECT || type === TYPE_TIME_EXCEEDED || type === TYPE_PARAM_PROBLEM;
}

export function decodeIcmp(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, declLen: number, depth: number, quoted: boolean): void {
  const avail = end - off;
  if (avail < 4) {
    if (!quoted) l.fail('icmp', 'truncated ICMP header');
    return;
  }
  l.hasIcmp = true;
  l.l4Off = off;
  const type = b[off]!;
  l.icmpType = type;
  l.icmpCode = b[off + 1]!;
  l.icmpChecksum = (b[off + 2]! << 8) | b[off + 3]!;
  if (f.checksums && !quoted) l.deferL4Checksum(b, off, end, declLen, 1, false);
  if (avail < ICMP_HEADER_LEN) {
    if (!quoted) l.fail('icmp', 'truncated ICMP header');
    return;
  }
  if (isQuery(type)) {
    l.icmpId = (b[off + 4]! << 8) | b[off + 5]!;
    l.icmpSeq = (b[off + 6]! << 8) | b[off + 7]!;
  }
  l.payloadOff = off + ICMP_HEADER_LEN;
  l.payloadLen = avail - ICMP_HEADER_LEN;
  if (quoted || !isError(type) || avail <= ICMP_HEADER_LEN) return;
  const q = l.quoted;
  if (q === null) return;
  q.reset();
  l.hasQuoted = true;
  decodeIpv4(f, q, b, off + ICMP_HEADER_LEN, end, depth, true);
}
