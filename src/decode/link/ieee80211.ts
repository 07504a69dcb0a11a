/**
 * IEEE 802.11 data frames (LINKTYPE_IEEE802_11 105) and the radiotap
 * header in front of them (LINKTYPE_IEEE802_11_RADIOTAP 127).
 *
 * Radiotap (radiotap.org): version 0, pad, length (LE16), then present
 * words (LE32, bit 31 chains another word). Only the Flags field matters
 * here, for its "frame includes FCS" bit; it follows TSFT (8 bytes,
 * 8-aligned) when that is present.
 *
 * 802.11 MAC header: frame control (type/subtype, ToDS/FromDS, Protected,
 * Order), duration, three addresses, sequence control; a fourth address
 * when ToDS and FromDS are both set; QoS control for QoS subtypes and HT
 * control when a QoS frame has the Order bit. Unprotected data frames carry
 * an 802.2 LLC/SNAP header and then the EtherType's payload. Management,
 * control, null-data and protected frames end the decode without error.
 */
import type { Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { dispatchEtherType } from './ethertype.js';

const RT_MIN_LEN = 8;
const RT_PRESENT_TSFT = 1 << 0;
const RT_PRESENT_FLAGS = 1 << 1;
const RT_PRESENT_EXT = 1 << 31;
const RT_FLAG_FCS = 0x10;
const FCS_LEN = 4;

const WLAN_HEADER_LEN = 24;
const WLAN_ADDR4_LEN = 6;
const WLAN_QOS_LEN = 2;
const WLAN_HTC_LEN = 4;
const TYPE_DATA = 2;
const SUBTYPE_NULL_BIT = 0x4;
const SUBTYPE_QOS_BIT = 0x8;
const FC_TO_DS = 0x01;
const FC_FROM_DS = 0x02;
const FC_PROTECTED = 0x40;
const FC_ORDER = 0x80;
const LLC_SNAP_LEN = 8;

/** Radiotap header then an 802.11 frame. */
export function decodeRadiotap(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number): void {
  if (end - off < RT_MIN_LEN) {
    l.fail('radiotap', 'truncated radiotap header');
    return;
  }
  if (b[off] !== 0) {
    l.fail('radiotap', `unknown radiotap version ${b[off]!}`);
    return;
  }
  const len = b[off + 2]! | (b[off + 3]! << 8);
  if (len < RT_MIN_LEN || len > end - off) {
    l.fail('radiotap', `bad radiotap length ${len}`);
    return;
  }
  const present = (b[off + 4]! | (b[off + 5]! << 8) | (b[off + 6]! << 16) | (b[off + 7]! << 24)) >>> 0;
  // Fields start after the chain of present words.
  let p = 8;
  let word = present;
  while ((word & RT_PRESENT_EXT) !== 0 && p + 4 <= len) {
    word = (b[off + p]! | (b[off + p + 1]! << 8) | (b[off + p + 2]! << 16) | (b[off + p + 3]! << 24)) >>> 0;
    p += 4;
  }
  let fcs = false;
  if ((present & RT_PRESENT_FLAGS) !== 0) {
    if ((present & RT_PRESENT_TSFT) !== 0) p = ((p + 7) & ~7) + 8;
    if (p < len) fcs = (b[off + p]! & RT_FLAG_FCS) !== 0;
  }
  let fEnd = end;
  if (fcs) fEnd = end - FCS_LEN >= off + len ? end - FCS_LEN : off + len;
  decodeIeee80211(f, l, b, off + len, fEnd);
}

/** An 802.11 frame (without FCS) at b[off, end). */
export function decodeIeee80211(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number): void {
  if (end - off < 2) {
    l.fail('wlan', 'truncated 802.11 frame control');
    return;
  }
  const fc0 = b[off]!;
  const fc1 = b[off + 1]!;
  const type = (fc0 >>> 2) & 3;
  const subtype = fc0 >>> 4;
  if (type !== TYPE_DATA || (subtype & SUBTYPE_NULL_BIT) !== 0 || (fc1 & FC_PROTECTED) !== 0) return;
  let hlen = WLAN_HEADER_LEN;
  if ((fc1 & (FC_TO_DS | FC_FROM_DS)) === (FC_TO_DS | FC_FROM_DS)) hlen += WLAN_ADDR4_LEN;
  if ((subtype & SUBTYPE_QOS_BIT) !== 0) {
    hlen += WLAN_QOS_LEN;
    if ((fc1 & FC_ORDER) !== 0) hlen += WLAN_HTC_LEN;
  }
  if (end - off < hlen) {
    l.fail('wlan', `truncated 802.11 data header (${end - off} of ${hlen} bytes)`);
    return;
  }
  const p = off + hlen;
  if (end - p < LLC_SNAP_LEN) return;
  l.llc = true;
  l.llcDsap = b[p]!;
  l.llcSsap = b[p + 1]!;
  // SNAP with OUI 0 (RFC 1042) or 00:00:f8 (802.1H bridge tunnel) carries an EtherType.
  if (b[p] !== 0xaa || b[p + 1] !== 0xaa || b[p + 2] !== 0x03 || b[p + 3] !== 0 || b[p + 4] !== 0) return;
  if (b[p + 5] !== 0 && b[p + 5] !== 0xf8) return;
  dispatchEtherType(f, l, b, p + LLC_SNAP_LEN, end, (b[p + 6]! << 8) | b[p + 7]!, 0);
}
