/**
 * The text lines of the commonest packet — Ethernet II, IPv4 without options
 * and not a fragment, TCP or UDP — written in one pass. Each run of constant
 * text between two values (a line's end, the next line's indent and label
 * included) is one pre-encoded constant, and the short ones are single
 * stores, so such a packet costs about one store per value instead of a
 * helper call per key. The bytes are exactly those of the layer-by-layer path
 * in text.ts (which handles every other packet and the lines after these).
 */
import type { CsumStatus, Layers } from '../decode/packet.js';
import { ipProtoName } from '../decode/names.js';
import { hex } from '../util/format.js';
import { csumName, tcpFlagsLong } from './describe.js';
import { ascii, type Ascii, putHex4Digits, putIpv4, putMac, putText, putUint, putWord, word } from './emitter.js';

/** The width every line's layer label is padded to (text.ts's layout). */
export const LABEL_WIDTH = 10;
/** The indent of the top level's lines. */
const INDENT = '  ';
const labelled = (name: string): string => INDENT + name.padEnd(LABEL_WIDTH);

const NEWLINE = 0x0a;
/** " -> " as one little-endian 32-bit store. */
const ARROW = 0x203e2d20;

/** " (good)" etc. per checksum status (CsumStatus 0..4). */
export const CSUM_TAIL: readonly Ascii[] = [0, 1, 2, 3, 4].map((s) => ascii(` (${csumName(s as CsumStatus)})`));
/** "  flags [SYN,ACK] 0x012  window " for every 9-bit flag value (the window always follows). */
export const TCP_FLAGS_TEXT: readonly Ascii[] = Array.from({ length: 512 }, (_, v) => ascii(`  flags [${tcpFlagsLong(v)}] ${hex(v, 3)}  window `));
/** " (good)  seq " etc.: a TCP checksum's status and the key that follows it. */
export const CSUM_TAIL_SEQ: readonly Ascii[] = [0, 1, 2, 3, 4].map((s) => ascii(` (${csumName(s as CsumStatus)})  seq `));

/** A checksum status's tail for a status outside the tables (there is none today): " (<name>)" and `then`. */
function otherTail(status: CsumStatus, then: string): Ascii {
  return ascii(` (${csumName(status)})${then}`);
}

const W_ID = word('  id 0x');
const W_TTL = word('  ttl ');
const W_LEN = word('  len ');
const W_DF = word('  DF');
const W_ACK = word('  ack ');
const W_CHECKSUM = ascii('  checksum 0x');
const W_PAYLOAD = ascii('  payload ');
const W_LENGTH = ascii('  length ');
const W_MSS = word('  mss ');
const W_WSCALE = ascii('  wscale ');
const W_SACK_PERM = ascii('  sack-permitted');
const W_SACK = word('  sack ');
const W_TS = word('  ts ');
/** The first line's end and the Ethernet line's start. */
const W_CAPTURED_ETHERNET = ascii(` captured)\n${labelled('Ethernet')}`);
/** The Ethernet line's end and the IPv4 line's start, through its "TCP (6)  ", per protocol number. */
const ETH_IP4_PROTO: readonly Ascii[] = Array.from({ length: 256 }, (_, p) =>
  ascii(`  type 0x0800 (IPv4)\n${labelled('IPv4')}${ipProtoName(p)} (${p})  `));
/** The IPv4 line's checksum status, its end and the TCP / UDP line's start, per status. */
const IP4_TAIL_TCP: readonly Ascii[] = [0, 1, 2, 3, 4].map((s) => ascii(` (${csumName(s as CsumStatus)})\n${labelled('TCP')}`));
const IP4_TAIL_UDP: readonly Ascii[] = [0, 1, 2, 3, 4].map((s) => ascii(` (${csumName(s as CsumStatus)})\n${labelled('UDP')}`));
/** The TCP line's end and the options line's start (the label column left blank). */
const W_OPTIONS_LINE = ascii(`\n${labelled('')}options`);

/** True when putCommonIp4 writes the lines of `l`'s link, network and transport layers. */
export function isCommonIp4(l: Layers): boolean {
  return l.hasEth && !l.llc && l.ethType === 0x0800 && l.ipVersion === 4 && l.ipOptionsLen === 0 && !l.ipIsFragment &&
    (l.hasTcp || l.hasUdp) && l.vlanCount === 0 && l.mplsCount === 0 && l.pppoeSession < 0 && !l.hasArp;
}

/**
 * From the first line's " captured)" (the packet had no interface and no SLL
 * line) through the TCP or UDP lines of an isCommonIp4 packet whose frame
 * starts at `base` of `b`. Writes at most ~600 bytes.
 */
export function putCommonIp4(o: DataView, p: number, l: Layers, b: Uint8Array, base: number): number {
  p = putMac(o, putText(o, p, W_CAPTURED_ETHERNET), b, base + l.ethOff + 6);
  o.setUint32(p, ARROW, true);
  p = putMac(o, p + 4, b, base + l.ethOff);
  p = putIpv4(o, putText(o, p, ETH_IP4_PROTO[l.ipProto] ?? ascii(`  type 0x0800 (IPv4)\n${labelled('IPv4')}${ipProtoName(l.ipProto)} (${l.ipProto})  `)), l.src4);
  o.setUint32(p, ARROW, true);
  p = putIpv4(o, p + 4, l.dst4);
  p = putUint(o, putWord(o, p, W_TTL), l.ipTtl);
  p = putHex4Digits(o, putWord(o, p, W_ID), l.ipId);
  p = putUint(o, putWord(o, p, W_LEN), l.ipTotalLen);
  if (l.ipFlags & 2) p = putWord(o, p, W_DF);
  p = putHex4Digits(o, putText(o, p, W_CHECKSUM), l.ipChecksum);
  const ipStatus = l.ipChecksumStatus;
  if (l.hasTcp) {
    p = putUint(o, putText(o, p, IP4_TAIL_TCP[ipStatus] ?? otherTail(ipStatus, `\n${labelled('TCP')}`)), l.sport);
    return putTcpRest(o, p, l);
  }
  p = putUint(o, putText(o, p, IP4_TAIL_UDP[ipStatus] ?? otherTail(ipStatus, `\n${labelled('UDP')}`)), l.sport);
  o.setUint32(p, ARROW, true);
  p = putUint(o, putText(o, putUint(o, p + 4, l.dport), W_LENGTH), l.udpLength);
  p = putHex4Digits(o, putText(o, p, W_CHECKSUM), l.udpChecksum);
  const status = l.l4ChecksumStatus;
  p = putText(o, p, CSUM_TAIL[status] ?? otherTail(status, ''));
  o.setUint8(p, NEWLINE);
  return p + 1;
}

/** The TCP line from the " -> " after the source port, and the options line when there are options. */
function putTcpRest(o: DataView, p: number, l: Layers): number {
  o.setUint32(p, ARROW, true);
  p = putUint(o, p + 4, l.dport);
  const flags = l.tcpFlags;
  if (flags >= 0 && flags < 512) p = putText(o, p, TCP_FLAGS_TEXT[flags]!);
  else p = putText(o, p, ascii(`  flags [${tcpFlagsLong(flags)}] ${hex(flags, 3)}  window `));
  p = putHex4Digits(o, putText(o, putUint(o, p, l.tcpWindow), W_CHECKSUM), l.tcpChecksum);
  const status = l.l4ChecksumStatus;
  p = putUint(o, putText(o, p, CSUM_TAIL_SEQ[status] ?? otherTail(status, '  seq ')), l.tcpSeq);
  if (flags & 0x10) p = putUint(o, putWord(o, p, W_ACK), l.tcpAck);
  p = putUint(o, putText(o, p, W_PAYLOAD), l.payloadLen);
  if (hasTcpOptions(l)) p = putTcpOptions(o, putText(o, p, W_OPTIONS_LINE), l);
  o.setUint8(p, NEWLINE);
  return p + 1;
}

/** True when the TCP header carried an option the options line shows. */
export function hasTcpOptions(l: Layers): boolean {
  return l.tcpMss >= 0 || l.tcpWscale >= 0 || l.tcpSackPerm || l.tcpSackCount > 0 || l.tcpHasTs;
}

/** The options line's values after its "options" ("  mss 1460  wscale 7 ..."), without the newline. */
export function putTcpOptions(o: DataView, p: number, l: Layers): number {
  if (l.tcpMss >= 0) p = putUint(o, putWord(o, p, W_MSS), l.tcpMss);
  if (l.tcpWscale >= 0) p = putUint(o, putText(o, p, W_WSCALE), l.tcpWscale);
  if (l.tcpSackPerm) p = putText(o, p, W_SACK_PERM);
  const sacks = l.tcpSackCount;
  if (sacks > 0) {
    const s = l.tcpSack;
    for (let i = 0; i < sacks; i++) {
      p = putUint(o, putWord(o, p, W_SACK), s[2 * i]!);
      o.setUint8(p++, 0x2d); // -
      p = putUint(o, p, s[2 * i + 1]!);
    }
  }
  if (l.tcpHasTs) {
    p = putUint(o, putWord(o, p, W_TS), l.tcpTsVal);
    o.setUint8(p++, 0x2f); // /
    p = putUint(o, p, l.tcpTsEcr);
  }
  return p;
}
