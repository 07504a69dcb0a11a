/** Dispatch on the IP protocol / next-header value to the upper-layer decoder. */
import { Encap, type Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { decodeTcp } from '../transport/tcp.js';
import { decodeUdp } from '../transport/udp.js';
import { decodeIcmp } from './icmp.js';
import { decodeIcmpv6 } from './icmpv6.js';
import { decodeGre } from './gre.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { enterTunnel } from './tunnel.js';

export const PROTO_ICMP = 1;
export const PROTO_IPIP = 4;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_IPV6 = 41;
export const PROTO_GRE = 47;
export const PROTO_AH = 51;
export const PROTO_ICMPV6 = 58;
const AH_MIN_LEN = 12;

/**
 * Decodes the upper layer at b[off, end). `declLen` is the length the IP
 * header declares for it (may exceed end - off when truncated).
 */
export function dispatchIpProto(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, declLen: number, proto: number, depth: number, quoted: boolean): void {
  l.ipProto = proto;
  switch (proto) {
    case PROTO_TCP:
      decodeTcp(f, l, b, off, end, declLen, quoted);
      return;
    case PROTO_UDP:
      decodeUdp(f, l, b, off, end, declLen, depth, quoted);
      return;
    case PROTO_ICMP:
      decodeIcmp(f, l, b, off, end, declLen, depth, quoted);
      return;
    case PROTO_ICMPV6:
      decodeIcmpv6(f, l, b, off, end, declLen, depth, quoted);
      return;
    case PROTO_AH:
      // IPv4 AH (IPv6 AH is walked with the extension headers): skip it and go on.
      if (end - off < AH_MIN_LEN) {
        if (!quoted) l.fail('ah', 'truncated AH header');
        return;
      }
      {
        const len = (b[off + 1]! + 2) * 4;
        if (end - off < len) {
          if (!quoted) l.fail('ah', 'truncated AH header');
          return;
        }
        dispatchIpProto(f, l, b, off + len, end, declLen - len, b[off]!, depth, quoted);
      }
      return;
    default:
      break;
  }
  // Tunnels are not followed inside an ICMP quote (only its first bytes are there).
  if (quoted) return;
  switch (proto) {
    case PROTO_GRE:
      decodeGre(f, l, b, off, end, depth);
      return;
    case PROTO_IPIP: {
      const inner = enterTunnel(l, Encap.IpInIp, depth, 'ipip');
      if (inner !== null) {
        inner.netType = 0x0800;
        decodeIpv4(f, inner, b, off, end, depth + 1, false);
      }
      return;
    }
    case PROTO_IPV6: {
      const inner = enterTunnel(l, Encap.IpInIp, depth, 'ipip');
      if (inner !== null) {
        inner.netType = 0x86dd;
        decodeIpv6(f, inner, b, off, end, depth + 1, false);
      }
      return;
    }
    default:
      return;
  }
}
