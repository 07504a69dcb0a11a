/**
 * GRE (RFC 2784/2890) and enhanced GRE (version 1, PPTP, RFC 2637), decoded
 * into the inner chain. Optional fields follow the 4-byte base header in this
 * order: checksum+offset (C or R), key (K), sequence (S), acknowledgment (A,
 * version 1 only), then routing entries (R, version 0, obsolete).
 * ERSPAN type I/II (0x88be) and III (0x22eb) carry a mirrored Ethernet frame.
 */
import { Encap, type Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { enterTunnel } from './tunnel.js';
import { decodeEthernet } from '../link/ethernet.js';
import { dispatchEtherType, ETHERTYPE_TEB } from '../link/ethertype.js';
import { decodePppFrame } from '../link/ppp.js';

const GRE_BASE_LEN = 4;
const FLAG_C = 0x8000;
const FLAG_R = 0x4000;
const FLAG_K = 0x2000;
const FLAG_S = 0x1000;
const FLAG_A = 0x0080;
const VERSION_MASK = 0x0007;
const PROTO_PPP = 0x880b;
const PROTO_ERSPAN_II = 0x88be;
const PROTO_ERSPAN_III = 0x22eb;
const ERSPAN_II_LEN = 8;
const ERSPAN_III_LEN = 12;
/** ERSPAN III: O bit (optional 8-byte platform sub-header present). */
const ERSPAN_III_O = 0x01;
const ERSPAN_III_PLATFORM_LEN = 8;

export function decodeGre(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, depth: number): void {
  if (end - off < GRE_BASE_LEN) {
    l.fail('gre', 'truncated GRE header');
    return;
  }
  const flags = (b[off]! << 8) | b[off + 1]!;
  const proto = (b[off + 2]! << 8) | b[off + 3]!;
  const version = flags & VERSION_MASK;
  if (version > 1) {
    l.fail('gre', `unsupported GRE version ${version}`);
    return;
  }
  let p = off + GRE_BASE_LEN;
  if ((flags & (FLAG_C | FLAG_R)) !== 0) p += 4;
  let key = -1;
  if ((flags & FLAG_K) !== 0) {
    if (end - p >= 4) key = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
    p += 4;
  }
  const hasSeq = (flags & FLAG_S) !== 0;
  if (hasSeq) p += 4;
  if (version === 1 && (flags & FLAG_A) !== 0) p += 4;
  if (version === 0 && (flags & FLAG_R) !== 0) {
    // Source route entries: address family (2), offset (1), length (1), data; a zero-length entry ends the list.
    for (;;) {
      if (end - p < 4) {
        l.fail('gre', 'truncated GRE routing entry');
        return;
      }
      const sreLen = b[p + 3]!;
      p += 4 + sreLen;
      if (sreLen === 0) break;
    }
  }
  if (p > end) {
    l.fail('gre', 'truncated GRE header');
    return;
  }
  const inner = enterTunnel(l, Encap.Gre, depth, 'gre');
  if (inner === null) return;
  l.tunnelId = key;
  const d = depth + 1;
  switch (proto) {
    case ETHERTYPE_TEB:
      decodeEthernet(f, inner, b, p, end, d);
      return;
    case PROTO_PPP:
      decodePppFrame(f, inner, b, p, end, d);
      return;
    case PROTO_ERSPAN_II:
      // Type I has no sequence number and no ERSPAN header; type II has both.
      decodeEthernet(f, inner, b, hasSeq ? p + ERSPAN_II_LEN : p, end, d);
      return;
    case PROTO_ERSPAN_III: {
      if (end - p < ERSPAN_III_LEN) {
        inner.fail('erspan', 'truncated ERSPAN type III header');
        return;
      }
      const o = (b[p + 11]! & ERSPAN_III_O) !== 0 ? ERSPAN_III_PLATFORM_LEN : 0;
      decodeEthernet(f, inner, b, p + ERSPAN_III_LEN + o, end, d);
      return;
    }
    default:
      dispatchEtherType(f, inner, b, p, end, proto, d);
      return;
  }
}
