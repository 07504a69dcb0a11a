/**
 * Entry point of the decode stage: fills a reusable Packet from a RawFrame.
 * Dispatches on the link type into link/, which hands payloads on to net/,
 * transport/ and app/ (see DESIGN.md). Nothing here allocates per packet on
 * the common path, and nothing throws: a malformed layer calls
 * `layers.fail(layer, reason)` and decoding stops there.
 */
import type { RawFrame } from '../capture/frame.js';
import { Encap, type Packet } from './packet.js';
import { decodeEthernet } from './link/ethernet.js';
import { decodeSll, decodeSll2 } from './link/sll.js';
import { decodeNull } from './link/null.js';
import { decodeRawIp } from './link/raw.js';
import { decodePppFrame } from './link/ppp.js';
import { decodeNflog } from './link/nflog.js';
import { decodeIeee80211, decodeRadiotap } from './link/ieee80211.js';
import { decodeIpv4 } from './net/ipv4.js';
import { decodeIpv6 } from './net/ipv6.js';

export interface DecoderOptions {
  /** Decode application layers (DNS, TLS ClientHello, HTTP). Default true. */
  app?: boolean;
  /** Verify IP/TCP/UDP/ICMP checksums. Default true. */
  checksums?: boolean;
}

/** What the per-protocol decoders read from the Decoder (kept tiny and monomorphic). */
export interface DecodeFlags {
  readonly app: boolean;
  readonly checksums: boolean;
}

/** LINKTYPE_* values with a decoder. */
export const LinkType = {
  NULL: 0,
  EN10MB: 1,
  PPP: 9,
  RAW_BSD12: 12,
  RAW_BSD14: 14,
  PPP_HDLC: 50,
  RAW: 101,
  IEEE802_11: 105,
  LOOP: 108,
  LINUX_SLL: 113,
  IEEE802_11_RADIOTAP: 127,
  NFLOG: 239,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/** True when `linkType` has a decoder. */
export function isSupportedLinkType(linkType: number): boolean {
  switch (linkType) {
    case LinkType.NULL:
    case LinkType.EN10MB:
    case LinkType.PPP:
    case LinkType.PPP_HDLC:
    case LinkType.RAW_BSD12:
    case LinkType.RAW_BSD14:
    case LinkType.RAW:
    case LinkType.LOOP:
    case LinkType.LINUX_SLL:
    case LinkType.NFLOG:
    case LinkType.IPV4:
    case LinkType.IPV6:
    case LinkType.LINUX_SLL2:
    case LinkType.IEEE802_11:
    case LinkType.IEEE802_11_RADIOTAP:
      return true;
    default:
      return false;
  }
}

export class Decoder implements DecodeFlags {
  readonly app: boolean;
  readonly checksums: boolean;
  constructor(opts: DecoderOptions = {}) {
    this.app = opts.app ?? true;
    this.checksums = opts.checksums ?? true;
  }

  /** Decodes `frame` into `pkt`. Never throws: malformed layers set pkt.malformed. */
  decode(frame: RawFrame, pkt: Packet): void {
    pkt.reset();
    pkt.flow = null;
    pkt.n = frame.n;
    pkt.tsSec = frame.tsSec;
    pkt.tsNsec = frame.tsNsec;
    pkt.tsDigits = frame.tsDigits;
    pkt.len = frame.origLen;
    pkt.caplen = frame.capLen;
    pkt.linkType = frame.linkType;
    pkt.ifIndex = frame.ifIndex;
    pkt.linkSupported = true;
    // Decode straight from the reader's buffer (no view per frame), then make the offsets frame-relative.
    const b = frame.buf;
    const start = frame.dataOff;
    const end = start + frame.capLen;
    pkt.setFrameBytes(b, start);
    switch (frame.linkType) {
      case LinkType.EN10MB:
        decodeEthernet(this, pkt, b, start, end, 0);
        break;
      case LinkType.LINUX_SLL:
        decodeSll(this, pkt, b, start, end);
        break;
      case LinkType.LINUX_SLL2:
        decodeSll2(this, pkt, b, start, end);
        break;
      case LinkType.RAW:
      case LinkType.RAW_BSD12:
      case LinkType.RAW_BSD14:
        decodeRawIp(this, pkt, b, start, end, 0);
        break;
      case LinkType.NULL:
        decodeNull(this, pkt, b, start, end, false);
        break;
      case LinkType.LOOP:
        decodeNull(this, pkt, b, start, end, true);
        break;
      case LinkType.IPV4:
        pkt.netType = 0x0800;
        decodeIpv4(this, pkt, b, start, end, 0, false);
        break;
      case LinkType.IPV6:
        pkt.netType = 0x86dd;
        decodeIpv6(this, pkt, b, start, end, 0, false);
        break;
      case LinkType.PPP:
      case LinkType.PPP_HDLC:
        decodePppFrame(this, pkt, b, start, end, 0);
        break;
      case LinkType.NFLOG:
        decodeNflog(this, pkt, b, start, end);
        break;
      case LinkType.IEEE802_11:
        decodeIeee80211(this, pkt, b, start, end);
        break;
      case LinkType.IEEE802_11_RADIOTAP:
        decodeRadiotap(this, pkt, b, start, end);
        break;
      default:
        pkt.linkSupported = false;
        break;
    }
    if (start !== 0) pkt.rebase(start);
    let depth = 0;
    for (let l = pkt.encap !== Encap.None ? pkt.inner : null; l !== null; l = l.encap !== Encap.None ? l.inner : null) depth++;
    pkt.depth = depth;
  }
}
