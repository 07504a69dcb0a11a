/**
 * ARP / RARP (RFC 826): fixed 8-byte header, then sender/target hardware and
 * protocol addresses whose lengths the header gives.
 */
import type { Layers } from '../packet.js';

const ARP_FIXED_LEN = 8;

export function decodeArp(l: Layers, b: Uint8Array, off: number, end: number): void {
  if (end - off < ARP_FIXED_LEN) {
    l.fail('arp', 'truncated ARP header');
    return;
  }
  const hlen = b[off + 4]!;
  const plen = b[off + 5]!;
  l.hasArp = true;
  l.arpHtype = (b[off]! << 8) | b[off + 1]!;
  l.arpPtype = (b[off + 2]! << 8) | b[off + 3]!;
  l.arpHlen = hlen;
  l.arpPlen = plen;
  l.arpOp = (b[off + 6]! << 8) | b[off + 7]!;
  const sha = off + ARP_FIXED_LEN;
  const spa = sha + hlen;
  const tha = spa + plen;
  const tpa = tha + hlen;
  if (tpa + plen > end) {
    l.fail('arp', 'truncated ARP addresses');
    return;
  }
  l.arpShaOff = sha;
  l.arpSpaOff = spa;
  l.arpThaOff = tha;
  l.arpTpaOff = tpa;
}
