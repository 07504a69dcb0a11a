/**
 * Linux cooked captures: LINUX_SLL (113, 16-byte header) and LINUX_SLL2
 * (276, 20-byte header). The protocol field is an EtherType except for a few
 * ARPHRD/protocol values that mean raw 802.2 or 802.3 frames.
 */
import type { Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { dispatchEtherType } from './ethertype.js';
import { decodeGre } from '../net/gre.js';

const SLL_HEADER_LEN = 16;
const SLL_PKTTYPE = 0;
const SLL_HATYPE = 2;
const SLL_ADDRLEN = 4;
const SLL_ADDR = 6;
const SLL_PROTOCOL = 14;

const SLL2_HEADER_LEN = 20;
const SLL2_PROTOCOL = 0;
const SLL2_IFINDEX = 4;
const SLL2_HATYPE = 8;
const SLL2_PKTTYPE = 10;
const SLL2_ADDRLEN = 11;
const SLL2_ADDR = 12;

const SLL_MAX_ADDR = 8;
/** ARPHRD_IPGRE: the protocol field is a GRE header's, the payload is GRE. */
const ARPHRD_IPGRE = 778;
/** ARPHRD_NETLINK: netlink messages, not network packets. */
const ARPHRD_NETLINK = 824;
/** Protocol values below 0x0600 are Linux ETH_P_* pseudo-types (802.3, 802.2, CAN...), not EtherTypes. */
const MIN_ETHERTYPE = 0x0600;

export function decodeSll(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number): void {
  if (end - off < SLL_HEADER_LEN) {
    l.fail('sll', 'truncated Linux cooked header');
    return;
  }
  l.sllPktType = (b[off + SLL_PKTTYPE]! << 8) | b[off + SLL_PKTTYPE + 1]!;
  const addrLen = (b[off + SLL_ADDRLEN]! << 8) | b[off + SLL_ADDRLEN + 1]!;
  l.sllAddrOff = off + SLL_ADDR;
  l.sllAddrLen = addrLen < SLL_MAX_ADDR ? addrLen : SLL_MAX_ADDR;
  const hatype = (b[off + SLL_HATYPE]! << 8) | b[off + SLL_HATYPE + 1]!;
  const proto = (b[off + SLL_PROTOCOL]! << 8) | b[off + SLL_PROTOCOL + 1]!;
  decodeCookedPayload(f, l, b, off + SLL_HEADER_LEN, end, hatype, proto);
}

export function decodeSll2(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number): void {
  if (end - off < SLL2_HEADER_LEN) {
    l.fail('sll2', 'truncated Linux cooked v2 header');
    return;
  }
  const proto = (b[off + SLL2_PROTOCOL]! << 8) | b[off + SLL2_PROTOCOL + 1]!;
  l.sllIfIndex = ((b[off + SLL2_IFINDEX]! << 24) | (b[off + SLL2_IFINDEX + 1]! << 16) | (b[off + SLL2_IFINDEX + 2]! << 8) | b[off + SLL2_IFINDEX + 3]!) >>> 0;
  const hatype = (b[off + SLL2_HATYPE]! << 8) | b[off + SLL2_HATYPE + 1]!;
  l.sllPktType = b[off + SLL2_PKTTYPE]!;
  const addrLen = b[off + SLL2_ADDRLEN]!;
  l.sllAddrOff = off + SLL2_ADDR;
  l.sllAddrLen = addrLen < SLL_MAX_ADDR ? addrLen : SLL_MAX_ADDR;
  decodeCookedPayload(f, l, b, off + SLL2_HEADER_LEN, end, hatype, proto);
}

function decodeCookedPayload(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, hatype: number, proto: number): void {
  if (hatype === ARPHRD_NETLINK) return;
  if (hatype === ARPHRD_IPGRE) {
    decodeGre(f, l, b, off, end, 0);
    return;
  }
  if (proto < MIN_ETHERTYPE) return;
  dispatchEtherType(f, l, b, off, end, proto, 0);
}
