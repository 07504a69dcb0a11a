/**
 * TCP (RFC 9293) with the 12-bit flags field (AE = bit 8, RFC 9768).
 *
 *   0 sport  2 dport  4 seq  8 ack  12 offset/flags  14 window  16 checksum  18 urgent  20 options
 *
 * Options are recorded here and walked when first read (see tcp-options.ts).
 */
import { Csum, type Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { dispatchTcpApp } from './app-dispatch.js';

export const TCP_MIN_HEADER = 20;
const SEQ = 4;
const ACK = 8;
const DATA_OFFSET = 12;
const WINDOW = 14;
const CHECKSUM = 16;
const URGENT = 18;

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export function decodeTcp(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, declLen: number, quoted: boolean): void {
  const avail = end - off;
  if (avail < 4) {
    if (!quoted) l.fail('tcp', 'truncated TCP header');
    return;
  }
  l.hasTcp = true;
  l.l4Off = off;
  l.sport = (b[off]! << 8) | b[off + 1]!;
  l.dport = (b[off + 2]! << 8) | b[off + 3]!;
  if (avail < TCP_MIN_HEADER) {
    // An ICMP quote holds only the first 8 bytes: ports and sequence number.
    if (avail >= 8) l.tcpSeq = u32(b, off + SEQ);
    // A first fragment may legitimately end inside the TCP header.
    if (!quoted && !l.ipIsFragment) l.fail('tcp', `truncated TCP header (${avail} bytes)`);
    return;
  }
  l.tcpSeq = u32(b, off + SEQ);
  l.tcpAck = u32(b, off + ACK);
  const hlen = (b[off + DATA_OFFSET]! >>> 4) * 4;
  l.tcpHdrLen = hlen;
  l.tcpFlags = ((b[off + DATA_OFFSET]! & 0x0f) << 8) | b[off + DATA_OFFSET + 1]!;
  l.tcpWindow = (b[off + WINDOW]! << 8) | b[off + WINDOW + 1]!;
  l.tcpChecksum = (b[off + CHECKSUM]! << 8) | b[off + CHECKSUM + 1]!;
  l.tcpUrgent = (b[off + URGENT]! << 8) | b[off + URGENT + 1]!;
  if (hlen < TCP_MIN_HEADER) {
    l.fail('tcp', `bad header length ${hlen}`);
    return;
  }
  if (f.checksums && !quoted) {
    if (declLen < hlen) l.l4ChecksumStatus = Csum.Bad;
    else l.deferL4Checksum(b, off, end, declLen, 6, true);
  }
  if (avail < hlen) {
    if (!quoted && !l.ipIsFragment) l.fail('tcp', `truncated TCP options (${avail} of ${hlen} bytes)`);
    return;
  }
  if (hlen > TCP_MIN_HEADER) l.deferTcpOptions(b, off + TCP_MIN_HEADER, off + hlen);
  l.payloadOff = off + hlen;
  l.payloadLen = avail - hlen;
  if (f.app && !quoted && l.payloadLen > 0) dispatchTcpApp(l, b, l.payloadOff, l.payloadLen);
}
