/**
 * Tunnels carried in UDP, chosen by port (either side), decoded into the
 * inner chain: VXLAN 4789, Geneve 6081, GTP-U 2152, Teredo 3544, AYIYA 5072,
 * MPLS over UDP 6635. Teredo also on any other port when the payload is
 * unmistakably Teredo (see looksLikeTeredo): clients talk to relays and
 * peers from their mapped port, as Zeek's Teredo DPD signature finds.
 */
import { Encap, type Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { enterTunnel } from './tunnel.js';
import { decodeGeneve, decodeVxlan, GENEVE_PORT, VXLAN_PORT } from './vxlan.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6, IPV6_HEADER_LEN } from './ipv6.js';
import { decodeMpls } from '../link/mpls.js';

export const GTPU_PORT = 2152;
export const TEREDO_PORT = 3544;
export const AYIYA_PORT = 5072;
export const MPLS_UDP_PORT = 6635;

const GTP_HEADER_LEN = 8;
const GTP_OPT_LEN = 4;
const GTP_VERSION_1 = 1;
const GTP_FLAG_PT = 0x10;
const GTP_FLAGS_OPT = 0x07;
const GTP_FLAG_E = 0x04;
const GTP_G_PDU = 0xff;

const TEREDO_AUTH = 0x0001;
const TEREDO_ORIGIN = 0x0000;
const TEREDO_AUTH_FIXED = 13;
const TEREDO_ORIGIN_LEN = 8;

const AYIYA_FIXED = 8;
const AYIYA_OP_FORWARD = 1;

/** Decodes a UDP tunnel payload when a port names one; returns false when none applies. */
export function decodeUdpTunnel(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, sport: number, dport: number, depth: number): boolean {
  if (dport === VXLAN_PORT || sport === VXLAN_PORT) {
    decodeVxlan(f, l, b, off, end, depth);
    return true;
  }
  if (dport === GENEVE_PORT || sport === GENEVE_PORT) {
    decodeGeneve(f, l, b, off, end, depth);
    return true;
  }
  if (dport === GTPU_PORT || sport === GTPU_PORT) return decodeGtpU(f, l, b, off, end, depth);
  if (dport === TEREDO_PORT || sport === TEREDO_PORT) return decodeTeredo(f, l, b, off, end, depth);
  if (dport === AYIYA_PORT || sport === AYIYA_PORT) return decodeAyiya(f, l, b, off, end, depth);
  if (dport === MPLS_UDP_PORT || sport === MPLS_UDP_PORT) {
    const inner = enterTunnel(l, Encap.MplsOverUdp, depth, 'mpls');
    if (inner !== null) decodeMpls(f, inner, b, off, end, depth + 1);
    return true;
  }
  if (looksLikeTeredo(b, off, end)) return decodeTeredo(f, l, b, off, end, depth);
  return false;
}

/**
 * Teredo away from port 3544: after the optional authentication and origin
 * indications, an IPv6 header whose payload length fills the UDP payload
 * exactly and with an address in the Teredo prefix 2001:0::/32 (RFC 4380 §2.6),
 * so ordinary UDP payloads are not mistaken for it.
 */
function looksLikeTeredo(b: Uint8Array, off: number, end: number): boolean {
  const p = teredoIpv6Start(b, off, end);
  if (p < 0 || end - p < IPV6_HEADER_LEN || b[p]! >>> 4 !== 6) return false;
  if (IPV6_HEADER_LEN + ((b[p + 4]! << 8) | b[p + 5]!) !== end - p) return false;
  return isTeredoAddress(b, p + 8) || isTeredoAddress(b, p + 24);
}

function isTeredoAddress(b: Uint8Array, o: number): boolean {
  return b[o] === 0x20 && b[o + 1] === 0x01 && b[o + 2] === 0 && b[o + 3] === 0;
}

/** Offset of the IPv6 header after the Teredo indications, or -1 when they do not fit. */
function teredoIpv6Start(b: Uint8Array, off: number, end: number): number {
  let p = off;
  if (end - p >= 4 && ((b[p]! << 8) | b[p + 1]!) === TEREDO_AUTH) {
    p += TEREDO_AUTH_FIXED + b[p + 2]! + b[p + 3]!;
    if (p > end) return -1;
  }
  if (end - p >= TEREDO_ORIGIN_LEN && ((b[p]! << 8) | b[p + 1]!) === TEREDO_ORIGIN) p += TEREDO_ORIGIN_LEN;
  return p;
}

/** Inner IP packet chosen by its version nibble. */
function decodeInnerIp(f: DecodeFlags, l: Layers, encap: (typeof Encap)[keyof typeof Encap], layer: string, b: Uint8Array, off: number, end: number, depth: number): void {
  const version = b[off]! >>> 4;
  if (version !== 4 && version !== 6) return;
  const inner = enterTunnel(l, encap, depth, layer);
  if (inner === null) return;
  if (version === 4) {
    inner.netType = 0x0800;
    decodeIpv4(f, inner, b, off, end, depth + 1, false);
  } else {
    inner.netType = 0x86dd;
    decodeIpv6(f, inner, b, off, end, depth + 1, false);
  }
}

/** GTPv1-U (3GPP TS 29.281): only G-PDU messages carry a user packet. */
function decodeGtpU(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, depth: number): boolean {
  if (end - off < GTP_HEADER_LEN) return false;
  const flags = b[off]!;
  if (flags >>> 5 !== GTP_VERSION_1 || (flags & GTP_FLAG_PT) === 0) return false;
  if (b[off + 1] !== GTP_G_PDU) return true;
  let p = off + GTP_HEADER_LEN;
  if ((flags & GTP_FLAGS_OPT) !== 0) {
    if (end - p < GTP_OPT_LEN) {
      l.fail('gtp', 'truncated GTP optional fields');
      return true;
    }
    let next = b[p + 3]!;
    p += GTP_OPT_LEN;
    // Extension headers: length in 4-byte units, last byte names the next one (0 = none).
    while ((flags & GTP_FLAG_E) !== 0 && next !== 0) {
      if (end - p < 1 || b[p] === 0 || end - p < b[p]! * 4) {
        l.fail('gtp', 'bad GTP extension header length');
        return true;
      }
      const len = b[p]! * 4;
      next = b[p + len - 1]!;
      p += len;
    }
  }
  if (p < end) {
    l.tunnelId = ((b[off + 4]! << 24) | (b[off + 5]! << 16) | (b[off + 6]! << 8) | b[off + 7]!) >>> 0;
    decodeInnerIp(f, l, Encap.Gtp, 'gtp', b, p, end, depth);
  }
  return true;
}

/** Teredo (RFC 4380): optional authentication and origin-indication headers, then IPv6. */
function decodeTeredo(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, depth: number): boolean {
  const p = teredoIpv6Start(b, off, end);
  if (p < 0 || end - p < IPV6_HEADER_LEN || b[p]! >>> 4 !== 6) return false;
  decodeInnerIp(f, l, Encap.Teredo, 'teredo', b, p, end, depth);
  return true;
}

/** AYIYA: 8 fixed bytes, identity (2^idlen bytes), signature (siglen*4 bytes), then the next header. */
function decodeAyiya(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, depth: number): boolean {
  if (end - off < AYIYA_FIXED) return false;
  const hlen = AYIYA_FIXED + (1 << (b[off]! >>> 4)) + (b[off + 1]! >>> 4) * 4;
  if ((b[off + 2]! & 0x0f) !== AYIYA_OP_FORWARD) return true;
  const next = b[off + 3]!;
  if (end - off <= hlen || (next !== 4 && next !== 41)) return true;
  decodeInnerIp(f, l, Encap.Ayiya, 'ayiya', b, off + hlen, end, depth);
  return true;
}
