/**
 * Ethernet II and IEEE 802.3 frames (LLC, SNAP).
 *
 *   0      6      12       14
 *   | dst  | src  | type/len | payload
 */
import type { Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { dispatchEtherType } from './ethertype.js';

export const ETH_HEADER_LEN = 14;
const ETH_TYPE = 12;
/** Values up to 1500 are an 802.3 length, 0x0600 and above an EtherType. */
const MAX_8023_LENGTH = 1500;
const LLC_SNAP_SAP = 0xaa;
const LLC_UI = 0x03;
const SNAP_LEN = 5;
const LLC_LEN = 3;

/** Decodes an Ethernet frame at b[off, end). */
export function decodeEthernet(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, depth: number): void {
  if (end - off < ETH_HEADER_LEN) {
    l.fail('eth', `frame of ${end - off} bytes is shorter than the Ethernet header`);
    return;
  }
  l.hasEth = true;
  l.ethOff = off;
  const type = (b[off + ETH_TYPE]! << 8) | b[off + ETH_TYPE + 1]!;
  l.ethType = type;
  if (type > MAX_8023_LENGTH) {
    dispatchEtherType(f, l, b, off + ETH_HEADER_LEN, end, type, depth);
    return;
  }
  decodeLlc(f, l, b, off + ETH_HEADER_LEN, Math.min(end, off + ETH_HEADER_LEN + type), depth);
}

/** 802.2 LLC header; SNAP with OUI 0 carries an EtherType. */
function decodeLlc(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number, depth: number): void {
  if (end - off < LLC_LEN) {
    l.fail('llc', 'truncated LLC header');
    return;
  }
  l.llc = true;
  l.llcDsap = b[off]!;
  l.llcSsap = b[off + 1]!;
  if (l.llcDsap !== LLC_SNAP_SAP || l.llcSsap !== LLC_SNAP_SAP || b[off + 2] !== LLC_UI) return;
  if (end - off < LLC_LEN + SNAP_LEN) {
    l.fail('llc', 'truncated SNAP header');
    return;
  }
  const oui = (b[off + 3]! << 16) | (b[off + 4]! << 8) | b[off + 5]!;
  if (oui !== 0) return;
  dispatchEtherType(f, l, b, off + LLC_LEN + SNAP_LEN, end, (b[off + 6]! << 8) | b[off + 7]!, depth);
}
