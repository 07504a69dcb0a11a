/**
 * EtherType dispatch: the one place that maps a payload type (from Ethernet,
 * VLAN, SLL, GRE, SNAP...) to the decoder of the next layer.
 */
import type { Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { decodeIpv4 } from '../net/ipv4.js';
import { decodeIpv6 } from '../net/ipv6.js';
import { decodeArp } from '../net/arp.js';
import { decodeVlan, decodeVnTag } from './vlan.js';
import { decodeMpls } from './mpls.js';
import { decodePppoeSession } from './ppp.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_RARP = 0x8035;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_QINQ_OLD = 0x9100;
export const ETHERTYPE_VNTAG = 0x8926;
export const ETHERTYPE_MPLS = 0x8847;
export const ETHERTYPE_MPLS_MC = 0x8848;
export const ETHERTYPE_PPPOE_SESSION = 0x8864;
export const ETHERTYPE_TEB = 0x6558;

/** Decodes the payload at b[off, end) of type `type` into `l`. */
export function dispatchEtherType(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, type: number, depth: number): void {
  l.netType = type;
  switch (type) {
    case ETHERTYPE_IPV4:
      decodeIpv4(f, l, b, off, end, depth, false);
      return;
    case ETHERTYPE_IPV6:
      decodeIpv6(f, l, b, off, end, depth, false);
      return;
    case ETHERTYPE_ARP:
    case ETHERTYPE_RARP:
      decodeArp(l, b, off, end);
      return;
    case ETHERTYPE_VLAN:
    case ETHERTYPE_QINQ:
    case ETHERTYPE_QINQ_OLD:
      decodeVlan(f, l, b, off, end, type, depth);
      return;
    case ETHERTYPE_VNTAG:
      decodeVnTag(f, l, b, off, end, depth);
      return;
    case ETHERTYPE_MPLS:
    case ETHERTYPE_MPLS_MC:
      decodeMpls(f, l, b, off, end, depth);
      return;
    case ETHERTYPE_PPPOE_SESSION:
      decodePppoeSession(f, l, b, off, end, depth);
      return;
    default:
      // Other EtherTypes (LLDP, EAPOL, PPPoE discovery...) end the decode without error.
      return;
  }
}
