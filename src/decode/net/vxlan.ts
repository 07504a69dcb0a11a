/**
 * UDP-carried overlays decoded into the inner chain: VXLAN (RFC 7348, UDP
 * 4789, 8-byte header then Ethernet) and Geneve (RFC 8926, UDP 6081,
 * 8 bytes + options, then the payload its protocol type names).
 */
import { Encap, type Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { enterTunnel } from './tunnel.js';
import { decodeEthernet } from '../link/ethernet.js';
import { dispatchEtherType, ETHERTYPE_TEB } from '../link/ethertype.js';

export const VXLAN_PORT = 4789;
export const GENEVE_PORT = 6081;
const VXLAN_HEADER_LEN = 8;
const GENEVE_BASE_LEN = 8;

export function decodeVxlan(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, depth: number): void {
  if (end - off < VXLAN_HEADER_LEN) {
    l.fail('vxlan', 'truncated VXLAN header');
    return;
  }
  const inner = enterTunnel(l, Encap.Vxlan, depth, 'vxlan');
  if (inner === null) return;
  l.tunnelId = (b[off + 4]! << 16) | (b[off + 5]! << 8) | b[off + 6]!;
  decodeEthernet(f, inner, b, off + VXLAN_HEADER_LEN, end, depth + 1);
}

export function decodeGeneve(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, depth: number): void {
  if (end - off < GENEVE_BASE_LEN) {
    l.fail('geneve', 'truncated Geneve header');
    return;
  }
  const version = b[off]! >>> 6;
  if (version !== 0) {
    l.fail('geneve', `unsupported Geneve version ${version}`);
    return;
  }
  const hlen = GENEVE_BASE_LEN + (b[off]! & 0x3f) * 4;
  if (end - off < hlen) {
    l.fail('geneve', 'truncated Geneve options');
    return;
  }
  const proto = (b[off + 2]! << 8) | b[off + 3]!;
  const inner = enterTunnel(l, Encap.Geneve, depth, 'geneve');
  if (inner === null) return;
  l.tunnelId = (b[off + 4]! << 16) | (b[off + 5]! << 8) | b[off + 6]!;
  if (proto === ETHERTYPE_TEB) decodeEthernet(f, inner, b, off + hlen, end, depth + 1);
  else dispatchEtherType(f, inner, b, off + hlen, end, proto, depth + 1);
}
