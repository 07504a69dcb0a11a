/**
 * Classic pcap (libpcap savefile): 24-byte file header, then 16-byte record
 * headers. Four magics: microsecond / nanosecond in either byte order.
 */
import { u16, u32 } from './bytes.js';
import { maxCapLen } from './limits.js';
import type { Pacer } from './pacer.js';
import { RecordParser } from './record-parser.js';
import type { Warnings } from './warnings.js';

export const PCAP_HEADER_LEN = 24;
const REC_HDR = 16;
const NOT_SWAPPED = 0;
const SWAPPED = 1;
const MAYBE_SWAPPED = 2;

/** Byte order and precision for a classic pcap magic read big-endian from the first 4 bytes, or null. */
export function pcapMagic(m: number): { le: boolean; nano: boolean } | null {
  switch (m) {
    case 0xa1b2c3d4:
      return { le: false, nano: false };
    case 0xd4c3b2a1:
      return { le: true, nano: false };
    case 0xa1b23c4d:
      return { le: false, nano: true };
    case 0x4d3cb2a1:
      return { le: true, nano: true };
    default:
      return null;
  }
}

export class PcapParser extends RecordParser {
  private headerDone = false;
  private readonly le: boolean;
  private readonly nano: boolean;
  private maxCap = 0;
  private linkType = 1;
  private swapLengths = NOT_SWAPPED;

  constructor(file: string, magic: { le: boolean; nano: boolean }, warnings: Warnings, pacer: Pacer | null) {
    super(file, warnings, pacer);
    this.le = magic.le;
    this.nano = magic.nano;
  }

  recordName(): string {
    return this.headerDone ? 'pcap record' : 'pcap file header';
  }

  private parseHeader(b: Uint8Array, pos: number): void {
    const le = this.le;
    const major = u16(b, pos + 4, le);
    const minor = u16(b, pos + 6, le);
    // Wireshark reads every 2.x (and later) header; libpcap only 2.4. Before 2.0 the record layout differed.
    if (major < 2) this.fail(`unsupported pcap version ${major}.${minor} (only 2.x can be read)`, this.base + pos + 4);
    if (major === 2 && minor < 3) this.warnings.add(`${this.file}: old pcap version 2.${minor}: record length fields read in the pre-2.3 order (as libpcap does)`);
    else if (major === 2 && minor === 3) this.warnings.add(`${this.file}: pcap version 2.3: length fields swapped where caplen > len (as libpcap does)`);
    else if (major !== 2 || minor !== 4) this.warnings.add(`${this.file}: unusual pcap version ${major}.${minor} (expected 2.4), reading as 2.4`);
    const snapLen = u32(b, pos + 16, le);
    const ltField = u32(b, pos + 20, le);
    if ((ltField & 0x03ff0000) !== 0) {
      const hex = (ltField & 0x03ff0000).toString(16).padStart(8, '0');
      this.fail(`pcap link-type field has reserved bits set (0x${hex}); unsupported header`, this.base + pos + 20);
    }
    // libpcap before 2.3 wrote the two length fields the other way round; 2.3 files may be either (libpcap and Wireshark agree).
    if (major === 2 && minor < 3) this.swapLengths = SWAPPED;
    else if (major === 2 && minor === 3) this.swapLengths = MAYBE_SWAPPED;
    this.linkType = ltField & 0xffff;
    this.maxCap = maxCapLen(this.linkType);
    this.ifaces.push({ linkType: this.linkType, snapLen, name: '', tsDigits: this.nano ? 9 : 6 });
    const f = this.frame;
    f.linkType = this.linkType;
    f.ifIndex = 0;
    f.tsDigits = this.nano ? 9 : 6;
    this.headerDone = true;
  }

  parse(b: Uint8Array, pos: number, end: number): number {
    if (!this.headerDone) {
      if (end - pos < PCAP_HEADER_LEN) {
        this.need = PCAP_HEADER_LEN;
        return pos;
      }
      this.parseHeader(b, pos);
      pos += PCAP_HEADER_LEN;
    }
    if (this.hold) return pos;
    const le = this.le;
    const f = this.frame;
    const maxCap = this.maxCap;
    const fracLimit = this.nano ? 1_000_000_000 : 1_000_000;
    const pacer = this.pacer;
    const onFrame = this.onFrame;
    while (!this.stopped) {
      if (end - pos < REC_HDR) {
        this.need = REC_HDR;
        return pos;
      }
      let capLen = u32(b, pos + 8, le);
      let origLen = u32(b, pos + 12, le);
      if (this.swapLengths === SWAPPED || (this.swapLengths === MAYBE_SWAPPED && capLen > origLen)) {
        const t = capLen;
        capLen = origLen;
        origLen = t;
      }
      if (capLen > maxCap) {
        this.fail(`corrupt pcap record ${this.frames + 1}: captured length ${capLen} is bigger than the maximum of ${maxCap}`, this.base + pos);
      }
      const total = REC_HDR + capLen;
      if (end - pos < total) {
        this.need = total;
        return pos;
      }
      let sec = u32(b, pos, le);
      let frac = u32(b, pos + 4, le);
      if (frac >= fracLimit) {
        // Like tshark, keep the record; carry the excess into the seconds so tsNsec stays a valid fraction.
        const carry = Math.floor(frac / fracLimit);
        this.warnings.add(
          `${this.file}: record ${this.frames + 1} at byte offset ${this.base + pos}: invalid timestamp fraction ${frac} ${this.nano ? 'ns' : 'µs'} (>= 1 s), carried into the seconds`,
        );
        sec += carry;
        frac -= carry * fracLimit;
      }
      const nsec = this.nano ? frac : frac * 1000;
      if (pacer !== null) {
        const d = pacer.delayMs(sec, nsec);
        if (d > 0) {
          this.waitMs = d;
          return pos;
        }
      }
      this.frames++;
      f.n = ++this.records;
      f.tsSec = sec;
      f.tsNsec = nsec;
      f.capLen = capLen;
      f.origLen = origLen;
      f.fileOffset = this.base + pos;
      f.setBytes(b, pos + REC_HDR);
      pos += total;
      onFrame(f);
    }
    return pos;
  }
}
