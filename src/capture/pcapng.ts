/**
 * pcapng: a sequence of blocks (type, total length, body, total length again)
 * in sections; each Section Header Block sets the byte order of its section
 * and starts a new interface list. Packets come from Enhanced Packet Blocks,
 * Simple Packet Blocks and the obsolete Packet Block; every other block
 * (NRB, ISB, DSB, custom, unknown) is checked for framing and skipped.
 */
import { u16, u32 } from './bytes.js';
import { maxCapLen } from './limits.js';
import { RecordParser } from './record-parser.js';
import { TsResolution } from './timestamp.js';

export const PCAPNG_MAGIC = 0x0a0d0d0a;
const BOM = 0x1a2b3c4d;
const BT_IDB = 1;
const BT_PB = 2;
const BT_SPB = 3;
const BT_EPB = 6;
/** Blocks tshark lists as records of their own (with a frame number) although they hold no packet. */
const BT_SYSTEMD_JOURNAL = 9;
const BT_CUSTOM = 0x00000bad;
const BT_CUSTOM_NOCOPY = 0x40000bad;
const MIN_BLOCK = 12;
/** Largest block accepted: the biggest packet any link type allows (DBUS, 128 MiB) plus room for headers and options. */
const MAX_BLOCK = 128 * 1024 * 1024 + 128 * 1024;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** One IDB of the current section. */
class Iface {
  constructor(
    readonly linkType: number,
    readonly snapLen: number,
    readonly maxCap: number,
    readonly res: TsResolution,
    readonly tsOffset: number,
  ) {}
}

const DEFAULT_RES = new TsResolution(6);

export class PcapngParser extends RecordParser {
  /** Byte order of the current section. */
  private le = true;
  private inSection = false;
  private section: Iface[] = [];
  private sections = 0;

  recordName(): string {
    return 'pcapng block';
  }

  parse(b: Uint8Array, pos: number, end: number): number {
    const f = this.frame;
    const pacer = this.pacer;
    const onFrame = this.onFrame;
    while (!this.stopped) {
      if (end - pos < 8) {
        this.need = 12;
        return pos;
      }
      const at = this.base + pos;
      let le = this.le;
      const type = u32(b, pos, le);
      if (type === PCAPNG_MAGIC) {
        // The SHB type is a byte palindrome; its byte-order magic decides how to read everything after it.
        if (end - pos < 12) {
          this.need = 12;
          return pos;
        }
        const bom = u32(b, pos + 8, true);
        if (bom === BOM) le = true;
        else if (u32(b, pos + 8, false) === BOM) le = false;
        else this.fail(`bad pcapng byte-order magic 0x${bom.toString(16).padStart(8, '0')} in Section Header Block`, at + 8);
      } else if (!this.inSection) {
        this.fail(`pcapng block type 0x${type.toString(16)} before any Section Header Block`, at);
      }
      const len = u32(b, pos + 4, le);
      if (len < MIN_BLOCK || len % 4 !== 0 || len > MAX_BLOCK) {
        const why = len < MIN_BLOCK ? 'smaller than 12' : len % 4 !== 0 ? 'not a multiple of 4' : `larger than the maximum of ${MAX_BLOCK}`;
        this.fail(`corrupt pcapng block (type 0x${type.toString(16)}): total length ${len} is ${why}`, at);
      }
      if (end - pos < len) {
        this.need = len;
        return pos;
      }
      const trailer = u32(b, pos + len - 4, le);
      if (trailer !== len) {
        this.fail(`corrupt pcapng block (type 0x${type.toString(16)}): leading length ${len} does not match trailing length ${trailer}`, at);
      }
      if (type === BT_EPB || type === BT_PB || type === BT_SPB) {
        if (this.hold) return pos;
        let iface: Iface;
        let capLen: number;
        let origLen: number;
        let dataAt: number;
        let ifIndex: number;
        if (type === BT_SPB) {
          if (len < 16) this.fail(`corrupt Simple Packet Block: total length ${len} is smaller than 16`, at);
          if (this.section.length === 0) this.fail('Simple Packet Block without any Interface Description Block in its section', at);
          iface = this.section[0]!;
          ifIndex = 0;
          origLen = u32(b, pos + 8, le);
          // The spec: captured length = min(original length, IDB 0 snaplen if set, room in the block).
          capLen = Math.min(origLen, len - 16);
          if (iface.snapLen !== 0 && capLen > iface.snapLen) capLen = iface.snapLen;
          dataAt = pos + 12;
          // SPBs carry no timestamp: keep the previous frame's time (RawFrame.hasTs tells printers).
          f.hasTs = false;
        } else {
          if (len < 32) this.fail(`corrupt ${type === BT_EPB ? 'Enhanced Packet Block' : 'Packet Block'}: total length ${len} is smaller than 32`, at);
          ifIndex = type === BT_EPB ? u32(b, pos + 8, le) : u16(b, pos + 8, le);
          if (ifIndex >= this.section.length) {
            this.fail(`packet block refers to interface ${ifIndex} but its section has ${this.section.length} interface(s)`, at);
          }
          iface = this.section[ifIndex]!;
          capLen = u32(b, pos + 20, le);
          origLen = u32(b, pos + 24, le);
          dataAt = pos + 28;
          if (capLen > len - 32) {
            this.fail(`corrupt packet block: captured length ${capLen} does not fit in block of total length ${len}`, at);
          }
          iface.res.convert(u32(b, pos + 12, le), u32(b, pos + 16, le), iface.tsOffset, f);
          f.hasTs = true;
        }
        if (capLen > iface.maxCap) {
          this.fail(`corrupt packet block: captured length ${capLen} is bigger than the maximum of ${iface.maxCap}`, at);
        }
        if (pacer !== null) {
          const d = pacer.delayMs(f.tsSec, f.tsNsec);
          if (d > 0) {
            this.waitMs = d;
            return pos;
          }
        }
        this.frames++;
        f.n = ++this.records;
        f.capLen = capLen;
        f.origLen = origLen;
        f.linkType = iface.linkType;
        f.ifIndex = ifIndex;
        f.tsDigits = iface.res.digits;
        f.fileOffset = at;
        f.setBytes(b, dataAt);
        pos += len;
        onFrame(f);
        continue;
      }
      if (type === PCAPNG_MAGIC) this.sectionHeader(b, pos, len, le);
      else if (type === BT_IDB) this.interfaceDescription(b, pos, len);
      else if (type === BT_CUSTOM || type === BT_CUSTOM_NOCOPY || type === BT_SYSTEMD_JOURNAL) this.records++;
      pos += len;
    }
    return pos;
  }

  private sectionHeader(b: Uint8Array, pos: number, len: number, le: boolean): void {
    const at = this.base + pos;
    if (len < 28) this.fail(`corrupt Section Header Block: total length ${len} is smaller than 28`, at);
    const major = u16(b, pos + 12, le);
    const minor = u16(b, pos + 14, le);
    // 1.0 is the only published version; 1.2 was written by old tools and means the same.
    if (major !== 1 || (minor !== 0 && minor !== 2)) {
      this.fail(`unsupported pcapng version ${major}.${minor} (only 1.0 can be read)`, at + 12);
    }
    // Section length (pos+16, 8 bytes) may be -1 (unknown); blocks are walked one by one, so it is not needed.
    this.walkOptions(b, pos + 24, pos + len - 4, le, 'Section Header Block', null);
    this.le = le;
    this.inSection = true;
    this.section = [];
    this.sections++;
  }

  private interfaceDescription(b: Uint8Array, pos: number, len: number): void {
    const le = this.le;
    const at = this.base + pos;
    if (len < 20) this.fail(`corrupt Interface Description Block: total length ${len} is smaller than 20`, at);
    const linkType = u16(b, pos + 8, le);
    const snapLen = u32(b, pos + 12, le);
    const opts = { name: '', tsresol: 6, tsOffset: 0 };
    this.walkOptions(b, pos + 16, pos + len - 4, le, 'Interface Description Block', (code, vAt, vLen) => {
      if (code === OPT_IF_NAME) opts.name = new TextDecoder().decode(b.subarray(vAt, vAt + vLen));
      else if (code === OPT_IF_TSRESOL && vLen >= 1) opts.tsresol = b[vAt]!;
      else if (code === OPT_IF_TSOFFSET && vLen >= 8) {
        // Signed 64-bit seconds; high word as int32.
        const hi = le ? u32(b, vAt + 4, le) | 0 : u32(b, vAt, le) | 0;
        const lo = le ? u32(b, vAt, le) : u32(b, vAt + 4, le);
        opts.tsOffset = hi * 4294967296 + lo;
      }
    });
    const res = opts.tsresol === 6 ? DEFAULT_RES : new TsResolution(opts.tsresol);
    this.section.push(new Iface(linkType, snapLen, maxCapLen(linkType), res, opts.tsOffset));
    const label = opts.name !== '' ? opts.name : `section ${this.sections - 1} interface ${this.section.length - 1}`;
    this.ifaces.push({ linkType, snapLen, name: label, tsDigits: res.digits });
  }

  /** Walks options in [start, end); a value running past the block is corrupt (as tshark and libpcap judge it). */
  private walkOptions(
    b: Uint8Array,
    start: number,
    end: number,
    le: boolean,
    blockName: string,
    visit: ((code: number, valueAt: number, valueLen: number) => void) | null,
  ): void {
    let p = start;
    while (end - p >= 4) {
      const code = u16(b, p, le);
      const vLen = u16(b, p + 2, le);
      if (code === 0) return; // opt_endofopt
      if (p + 4 + vLen > end) {
        this.fail(`corrupt ${blockName}: option ${code} has length ${vLen}, more than the ${end - p - 4} bytes left in the block`, this.base + p);
      }
      visit?.(code, p + 4, vLen);
      p += 4 + ((vLen + 3) & ~3);
    }
  }
}
