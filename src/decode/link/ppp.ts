/**
 * PPP payloads: PPPoE session (RFC 2516), the PPP link type (HDLC-like
 * framing, RFC 1662) and PPP inside GRE (PPTP). Only IPv4 and IPv6 are
 * followed; control protocols (LCP, IPCP...) end the decode.
 */
import type { Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { decodeIpv4 } from '../net/ipv4.js';
import { decodeIpv6 } from '../net/ipv6.js';

const PPPOE_HEADER_LEN = 6;
const PPPOE_SESSION = 2;
const PPPOE_LENGTH = 4;
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;
const HDLC_ADDRESS = 0xff;
const HDLC_CONTROL = 0x03;

export function decodePppoeSession(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, depth: number): void {
  if (end - off < PPPOE_HEADER_LEN + 2) {
    l.fail('pppoe', 'truncated PPPoE header');
    return;
  }
  l.pppoeSession = (b[off + PPPOE_SESSION]! << 8) | b[off + PPPOE_SESSION + 1]!;
  const payloadLen = (b[off + PPPOE_LENGTH]! << 8) | b[off + PPPOE_LENGTH + 1]!;
  const pEnd = Math.min(end, off + PPPOE_HEADER_LEN + payloadLen);
  decodePppProtocol(f, l, b, off + PPPOE_HEADER_LEN, pEnd, depth);
}

/**
 * A PPP frame starting at `off`: optional address/control bytes (ff 03), then
 * a protocol field of 1 byte (odd first byte, RFC 1661 compression) or 2.
 */
export function decodePppFrame(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, depth: number): void {
  let p = off;
  if (end - p >= 2 && b[p] === HDLC_ADDRESS && b[p + 1] === HDLC_CONTROL) p += 2;
  decodePppProtocol(f, l, b, p, end, depth);
}

function decodePppProtocol(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, depth: number): void {
  if (end - off < 1) {
    l.fail('ppp', 'truncated PPP protocol field');
    return;
  }
  let proto: number;
  let p = off;
  if ((b[p]! & 1) === 1) {
    proto = b[p]!;
    p += 1;
  } else {
    if (end - p < 2) {
      l.fail('ppp', 'truncated PPP protocol field');
      return;
    }
    proto = (b[p]! << 8) | b[p + 1]!;
    p += 2;
  }
  if (proto === PPP_IPV4) {
    l.netType = 0x0800;
    decodeIpv4(f, l, b, p, end, depth, false);
  } else if (proto === PPP_IPV6) {
    l.netType = 0x86dd;
    decodeIpv6(f, l, b, p, end, depth, false);
  }
}
