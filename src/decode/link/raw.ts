/** Raw IP link types (RAW 101/12/14, IPV4 228, IPV6 229): the frame starts with an IP header. */
import type { Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { decodeIpv4 } from '../net/ipv4.js';
import { decodeIpv6 } from '../net/ipv6.js';

/** RAW: the IP version nibble selects the decoder. */
export function decodeRawIp(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, depth: number): void {
  if (end - off < 1) {
    l.fail('ip', 'empty packet');
    return;
  }
  const version = b[off]! >>> 4;
  if (version === 4) {
    l.netType = 0x0800;
    decodeIpv4(f, l, b, off, end, depth, false);
  } else if (version === 6) {
    l.netType = 0x86dd;
    decodeIpv6(f, l, b, off, end, depth, false);
  } else {
    l.fail('ip', `unknown IP version ${version}`);
  }
}
