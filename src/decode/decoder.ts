/**
 * Entry point of the decode stage: fills a reusable Packet from a RawFrame.
 * (Skeleton: the full implementation dispatches on link type into link/, net/,
 * transport/ and app/ decoders.)
 */
import type { RawFrame } from '../capture/frame.js';
import type { Packet } from './packet.js';

export interface DecoderOptions {
  /** Decode application layers (DNS, TLS ClientHello, HTTP). Default true. */
  app?: boolean;
  /** Verify IP/TCP/UDP/ICMP checksums. Default true. */
  checksums?: boolean;
}

export class Decoder {
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
    pkt.data = frame.data;
    pkt.depth = 0;
  }
}
