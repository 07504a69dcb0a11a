/**
 * UDP (RFC 768): 8-byte header, length guard, checksum with the
 * pseudo-header (0 over IPv4 = not computed by the sender), then overlay
 * tunnels (see net/udp-tunnels.ts) and application dispatch by port.
 */
import { Csum, type Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { decodeUdpTunnel } from '../net/udp-tunnels.js';
import { dispatchUdpApp } from './app-dispatch.js';

export const UDP_HEADER_LEN = 8;

export function decodeUdp(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, declLen: number, depth: number, quoted: boolean): void {
  const avail = end - off;
  if (avail < 4) {
    if (!quoted) l.fail('udp', 'truncated UDP header');
    return;
  }
  l.hasUdp = true;
  l.l4Off = off;
  const sport = (b[off]! << 8) | b[off + 1]!;
  const dport = (b[off + 2]! << 8) | b[off + 3]!;
  l.sport = sport;
  l.dport = dport;
  if (avail < UDP_HEADER_LEN) {
    if (!quoted && !l.ipIsFragment) l.fail('udp', 'truncated UDP header');
    return;
  }
  const len = (b[off + 4]! << 8) | b[off + 5]!;
  const csum = (b[off + 6]! << 8) | b[off + 7]!;
  l.udpLength = len;
  l.udpChecksum = csum;
  if (len < UDP_HEADER_LEN && !quoted) {
    l.fail('udp', `bad length ${len} (less than the 8-byte header)`);
    return;
  }
  // A length beyond the IP payload is expected in a first fragment; otherwise it is a lie we
  // note (udpLengthBad) but, like tshark, we still decode what the IP payload holds.
  if (len > declLen && !l.ipIsFragment) l.udpLengthBad = true;
  const pEnd = off + len < end ? off + len : end;
  if (quoted) {
    // An ICMP error quoting a DNS query: the quoted bytes often hold the question.
    if (f.app && pEnd - off > UDP_HEADER_LEN) dispatchUdpApp(l, b, off + UDP_HEADER_LEN, pEnd - off - UDP_HEADER_LEN);
    return;
  }
  if (f.checksums) {
    if (csum === 0) l.l4ChecksumStatus = l.ipVersion === 4 ? Csum.Zero : Csum.Bad;
    else l.deferL4Checksum(b, off, end, len, 17, true);
  }
  l.payloadOff = off + UDP_HEADER_LEN;
  l.payloadLen = pEnd - l.payloadOff;
  if (l.payloadLen <= 0) return;
  if (decodeUdpTunnel(f, l, b, l.payloadOff, pEnd, sport, dport, depth)) return;
  if (f.app) dispatchUdpApp(l, b, l.payloadOff, l.payloadLen);
}
