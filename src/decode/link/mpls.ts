/**
 * MPLS label stack (RFC 3032): 4-byte entries until the bottom-of-stack bit.
 * The payload type is not signalled: guess IPv4/IPv6 by the first nibble,
 * and treat a zero nibble as the RFC 4385 pseudowire control word followed by
 * Ethernet (as Wireshark does by default).
 */
import { Encap, MAX_MPLS, type Layers } from '../packet.js';
import { enterTunnel } from '../net/tunnel.js';
import type { DecodeFlags } from '../decoder.js';
import { decodeIpv4 } from '../net/ipv4.js';
import { decodeIpv6 } from '../net/ipv6.js';
import { decodeEthernet } from './ethernet.js';

const MPLS_ENTRY_LEN = 4;
const MPLS_BOS = 0x01;
const PW_CONTROL_WORD_LEN = 4;

export function decodeMpls(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, depth: number): void {
  let p = off;
  for (;;) {
    if (end - p < MPLS_ENTRY_LEN) {
      l.fail('mpls', 'truncated MPLS label stack');
      return;
    }
    const n = l.mplsCount;
    if (n >= MAX_MPLS) {
      l.fail('mpls', `more than ${MAX_MPLS} MPLS labels`);
      return;
    }
    l.mplsLabels[n] = ((b[p]! << 12) | (b[p + 1]! << 4) | (b[p + 2]! >>> 4)) >>> 0;
    l.mplsCount = n + 1;
    const bos = (b[p + 2]! & MPLS_BOS) !== 0;
    p += MPLS_ENTRY_LEN;
    if (bos) break;
  }
  if (p >= end) return;
  const nibble = b[p]! >>> 4;
  if (nibble === 4) {
    l.netType = 0x0800;
    decodeIpv4(f, l, b, p, end, depth, false);
  } else if (nibble === 6) {
    l.netType = 0x86dd;
    decodeIpv6(f, l, b, p, end, depth, false);
  } else if (nibble === 0 && end - p >= PW_CONTROL_WORD_LEN + 14) {
    // Ethernet pseudowire: the inner frame is a new link layer, so it goes to the inner chain.
    decodeEthernetPseudowire(f, l, b, p + PW_CONTROL_WORD_LEN, end, depth);
  }
}

function decodeEthernetPseudowire(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, depth: number): void {
  const inner = enterTunnel(l, Encap.Pseudowire, depth, 'mpls');
  if (inner !== null) decodeEthernet(f, inner, b, off, end, depth + 1);
}
