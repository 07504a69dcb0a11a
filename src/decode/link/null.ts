/**
 * BSD loopback encapsulations: NULL (0), whose 4-byte address family is in
 * the capturing host's byte order, and LOOP (108), always network order.
 * AF_INET is 2 everywhere; AF_INET6 differs by OS (24 NetBSD/OpenBSD,
 * 28 FreeBSD, 30 macOS, 10 Linux).
 */
import type { Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { decodeIpv4 } from '../net/ipv4.js';
import { decodeIpv6 } from '../net/ipv6.js';
import { dispatchEtherType } from './ethertype.js';

const NULL_HEADER_LEN = 4;
const AF_INET = 2;

function isAfInet6(af: number): boolean {
  return af === 24 || af === 28 || af === 30 || af === 10;
}

export function decodeNull(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, networkOrder: boolean): void {
  if (end - off < NULL_HEADER_LEN) {
    l.fail('null', 'truncated loopback header');
    return;
  }
  const be = ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
  const le = ((b[off + 3]! << 24) | (b[off + 2]! << 16) | (b[off + 1]! << 8) | b[off]!) >>> 0;
  // For NULL the writer's byte order is unknown: a family is a small number, so the order giving one wins.
  const af = networkOrder ? be : le <= 0xffff ? le : be;
  if (af === AF_INET) {
    l.netType = 0x0800;
    decodeIpv4(f, l, b, off + NULL_HEADER_LEN, end, 0, false);
  } else if (isAfInet6(af)) {
    l.netType = 0x86dd;
    decodeIpv6(f, l, b, off + NULL_HEADER_LEN, end, 0, false);
  } else {
    // Some old stacks wrote an EtherType in the second half of the header instead of a family.
    const etherType = (b[off + 2]! << 8) | b[off + 3]!;
    if (etherType === 0x0800 || etherType === 0x86dd) dispatchEtherType(f, l, b, off + NULL_HEADER_LEN, end, etherType, 0);
  }
}
