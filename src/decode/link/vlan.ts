/**
 * 802.1Q / 802.1ad / old QinQ tags and Cisco VN-Tag. Each tag is 4 bytes
 * (TCI, inner type) after the TPID that selected it.
 */
import { MAX_VLAN, type Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { dispatchEtherType } from './ethertype.js';

const VLAN_TAG_LEN = 4;
const VLAN_VID_MASK = 0x0fff;
const VNTAG_LEN = 6;

export function decodeVlan(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, tpid: number, depth: number): void {
  if (end - off < VLAN_TAG_LEN) {
    l.fail('vlan', 'truncated VLAN tag');
    return;
  }
  const n = l.vlanCount;
  if (n >= MAX_VLAN) {
    l.fail('vlan', `more than ${MAX_VLAN} VLAN tags`);
    return;
  }
  const tci = (b[off]! << 8) | b[off + 1]!;
  l.vlanTci[n] = tci;
  l.vlanIds[n] = tci & VLAN_VID_MASK;
  l.vlanTpids[n] = tpid;
  l.vlanCount = n + 1;
  dispatchEtherType(f, l, b, off + VLAN_TAG_LEN, end, (b[off + 2]! << 8) | b[off + 3]!, depth);
}

/** Cisco VN-Tag (0x8926): 4 bytes of tag, then the inner EtherType. */
export function decodeVnTag(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, depth: number): void {
  if (end - off < VNTAG_LEN) {
    l.fail('vntag', 'truncated VN-Tag');
    return;
  }
  dispatchEtherType(f, l, b, off + VNTAG_LEN, end, (b[off + 4]! << 8) | b[off + 5]!, depth);
}
