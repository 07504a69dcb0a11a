/**
 * A FrameSource over a byte input (file, gzip stream, pipe): owns one read
 * buffer, reused for the whole run and grown only when a single record needs
 * more room, so memory stays bounded whatever the input size. Frames are views
 * into that buffer, valid during the callback only.
 */
import { hexBytes } from './bytes.js';
import { CaptureError, type FrameSource, type InterfaceInfo, type RawFrame, type SourceStats } from './frame.js';
import type { ByteInput } from './input.js';
import type { Pacer } from './pacer.js';
import { PCAP_HEADER_LEN, PcapParser, pcapMagic } from './pcap.js';
import { PCAPNG_MAGIC, PcapngParser } from './pcapng.js';
import type { RecordParser } from './record-parser.js';
import { Warnings } from './warnings.js';

const BUFFER_MAX_INITIAL = 2 * 1024 * 1024;
const BUFFER_MIN = 64 * 1024;
/**
 * Room kept in front of a read-ahead chunk: the unconsumed tail of the current
 * buffer (at most one partial record, usually) is copied there, so the two
 * buffers swap instead of the new bytes being moved.
 */
const HEADROOM = 64 * 1024;

/** A read's outcome, never a rejection: a read-ahead may finish after the reader stopped caring. */
interface ReadResult {
  n: number;
  error: unknown;
}

function readDone(n: number): ReadResult {
  return { n, error: null };
}

function readFailed(error: unknown): ReadResult {
  return { n: 0, error };
}

/** Names a magic that is not a capture, so the error tells the user what they gave us. */
function describeMagic(b: Uint8Array, n: number): string {
  const hex = hexBytes(b, 0, Math.min(4, n));
  if (hex.startsWith('28b52ffd')) return `0x${hex} (zstd-compressed; decompress it first, only gzip is read directly)`;
  if (hex.startsWith('fd377a58')) return `0x${hex} (xz-compressed; decompress it first, only gzip is read directly)`;
  if (hex.startsWith('425a68')) return `0x${hex} (bzip2-compressed; decompress it first, only gzip is read directly)`;
  return `0x${hex}`;
}

export class CaptureFileSource implements FrameSource {
  private buf: Uint8Array;
  private start = 0;
  private end = 0;
  private eof = false;
  private parser: RecordParser | null = null;
  private readonly warnings = new Warnings();
  private running = false;
  private stopRequested = false;
  private closed = false;
  /** Read-ahead: the next chunk is read into `spare` (at HEADROOM) while the current one is parsed. */
  private spare: Uint8Array | null = null;
  private pending: Promise<ReadResult> | null = null;
  private reads = 0;

  constructor(
    readonly name: string,
    private readonly input: ByteInput,
    private readonly pacer: Pacer | null,
  ) {
    const total = input.bytesTotal;
    this.buf = new Uint8Array(total >= 0 ? Math.max(BUFFER_MIN, Math.min(BUFFER_MAX_INITIAL, total)) : BUFFER_MAX_INITIAL);
  }

  /** Reads the magic and the headers up to the first packet, so interfaces() is known before run(). */
  async init(): Promise<void> {
    try {
      while (this.end < 4 && !this.eof) await this.readMore(4);
      const b = this.buf;
      if (this.end < 4) {
        throw new CaptureError(`too short to be a capture file (${this.end} bytes)`, this.name, -1);
      }
      const magic = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
      const pm = pcapMagic(magic);
      let parser: RecordParser;
      if (pm !== null) parser = new PcapParser(this.name, pm, this.warnings, this.pacer);
      else if (magic === PCAPNG_MAGIC) parser = new PcapngParser(this.name, this.warnings, this.pacer);
      else throw new CaptureError(`not a pcap or pcapng capture: unknown magic ${describeMagic(b, this.end)}`, this.name, 0);
      this.parser = parser;
      parser.hold = true;
      await this.pump(parser);
      if (pm !== null && parser.ifaces.length === 0) {
        throw new CaptureError(`truncated pcap file header (${this.end - this.start} of ${PCAP_HEADER_LEN} bytes)`, this.name, 0);
      }
      parser.hold = false;
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  async run(onFrame: (frame: RawFrame) => void): Promise<SourceStats> {
    const parser = this.parser;
    if (parser === null) throw new Error(`${this.name}: source not initialised (use openCaptureFile)`);
    if (this.running) throw new Error(`${this.name}: run() called twice`);
    this.running = true;
    parser.onFrame = onFrame;
    parser.stopped = this.stopRequested;
    try {
      await this.pump(parser);
    } finally {
      await this.close();
    }
    return this.stats();
  }

  /** Alternates synchronous parsing of buffered records with awaiting input or pacing. */
  private async pump(parser: RecordParser): Promise<void> {
    for (;;) {
      parser.need = 0;
      parser.waitMs = 0;
      parser.base = this.baseOffset;
      this.start = parser.parse(this.buf, this.start, this.end);
      if (parser.stopped) return;
      if (parser.waitMs > 0) {
        await this.pacer!.wait(parser.waitMs);
        continue;
      }
      if (parser.need === 0) return; // hold: reached the first packet
      if (this.eof) {
        const left = this.end - this.start;
        if (left > 0) {
          this.warnings.add(
            `${this.name}: file ends in the middle of a ${parser.recordName()} at byte offset ${this.baseOffset + this.start} (${left} of ${Math.max(parser.need, left + 1)} bytes present); ${parser.frames} frames read`,
          );
          this.start = this.end;
        }
        return;
      }
      await this.readMore(parser.need);
    }
  }

  /** Input offset of buf[0]. */
  private baseOffset = 0;

  private async readMore(need: number): Promise<void> {
    if (this.pending !== null) {
      const r = await this.pending;
      this.pending = null;
      this.takeReadAhead(r, need);
    } else {
      this.compact();
      if (need > this.buf.length) this.grow(need);
      const r = await this.input.read(this.buf, this.end, this.buf.length - this.end).then(readDone, readFailed);
      if (this.received(r)) this.end += r.n;
    }
    // The first chunk may be the whole file: read ahead only once a second one was needed.
    if (!this.eof && ++this.reads >= 2) this.readAhead();
  }

  /** Starts reading the next chunk into the spare buffer (same size as `buf`), after HEADROOM. */
  private readAhead(): void {
    const size = this.buf.length;
    if (size < 4 * HEADROOM) return;
    if (this.spare === null || this.spare.length !== size) this.spare = new Uint8Array(size);
    this.pending = this.input.read(this.spare, HEADROOM, size - HEADROOM).then(readDone, readFailed);
  }

  /** Puts the read-ahead chunk behind the unconsumed tail: swaps the buffers when the tail fits the headroom. */
  private takeReadAhead(r: ReadResult, need: number): void {
    if (!this.received(r)) return;
    const spare = this.spare!;
    const tail = this.end - this.start;
    const at = HEADROOM - tail;
    if (tail <= HEADROOM && need <= spare.length - at) {
      if (tail > 0) spare.set(this.buf.subarray(this.start, this.end), at);
      // buf[start] and spare[at] hold the same input byte.
      this.baseOffset += this.start - at;
      this.spare = this.buf;
      this.buf = spare;
      this.start = at;
      this.end = HEADROOM + r.n;
      return;
    }
    this.compact();
    if (Math.max(need, this.end + r.n) > this.buf.length) this.grow(Math.max(need, this.end + r.n));
    this.buf.set(spare.subarray(HEADROOM, HEADROOM + r.n), this.end);
    this.end += r.n;
  }

  /** Keeps only the unconsumed tail (at most one partial record) at the front. */
  private compact(): void {
    if (this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
      this.baseOffset += this.start;
      this.end -= this.start;
      this.start = 0;
    }
  }

  private grow(need: number): void {
    const grown = new Uint8Array(Math.max(need, Math.min(this.buf.length * 2, need + BUFFER_MAX_INITIAL)));
    grown.set(this.buf.subarray(0, this.end));
    this.buf = grown;
  }

  /** Handles a read's outcome: false at end of input (eof set) or when a cut gzip stream ends it; throws on a read error. */
  private received(r: ReadResult): boolean {
    if (r.error !== null) {
      const err = r.error as NodeJS.ErrnoException;
      const at = this.baseOffset + this.end;
      if (err.code === 'Z_BUF_ERROR') {
        // gzip stream cut short: what was decompressed is good, like a truncated plain file.
        this.warnings.add(`${this.name}: compressed stream ends unexpectedly after ${at} decompressed bytes`);
        this.eof = true;
        return false;
      }
      throw new CaptureError(`read error: ${err.message ?? String(r.error)}`, this.name, at);
    }
    if (r.n === 0) {
      this.eof = true;
      return false;
    }
    return true;
  }

  stop(): void {
    this.stopRequested = true;
    if (this.parser !== null) this.parser.stopped = true;
    this.pacer?.cancel();
  }

  stats(): SourceStats {
    return {
      frames: this.parser?.frames ?? 0,
      bytesRead: this.input.bytesRead(),
      bytesTotal: this.input.bytesTotal,
      dropped: 0,
      ifDropped: 0,
      warnings: this.warnings.snapshot(),
    };
  }

  interfaces(): readonly InterfaceInfo[] {
    return this.parser?.ifaces ?? [];
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pacer?.cancel();
    // A read-ahead still running must finish before its file handle closes.
    if (this.pending !== null) await this.pending;
    this.pending = null;
    await this.input.close();
  }
}
