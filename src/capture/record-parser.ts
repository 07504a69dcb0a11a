/**
 * Common state of the format parsers (pcap, pcapng). A parser walks whole
 * records in a byte window of the reader's buffer, synchronously, and returns
 * the position of the first record it did not consume, saying why:
 * more bytes are needed (`need`), pacing asks to wait (`waitMs`), the
 * consumer stopped, or (`hold`) a packet was reached during header reading.
 */
import { CaptureError, RawFrame, type InterfaceInfo } from './frame.js';
import type { Pacer } from './pacer.js';
import type { Warnings } from './warnings.js';

export type FrameCallback = (frame: RawFrame) => void;

const noFrame: FrameCallback = () => {};

export abstract class RecordParser {
  readonly frame = new RawFrame();
  onFrame: FrameCallback = noFrame;
  /** Input offset of buf[0], so errors and frames carry absolute byte offsets. */
  base = 0;
  /** Bytes needed from the returned position before the next record can be parsed. */
  need = 0;
  /** Pacing: milliseconds to wait before the record at the returned position. */
  waitMs = 0;
  stopped = false;
  /** Stop before the first packet record (used to read headers and IDBs at open time). */
  hold = false;
  /** Frames delivered. */
  frames = 0;
  /**
   * Records numbered so far: frames plus the non-packet records tshark also
   * numbers (pcapng custom blocks), so RawFrame.n equals tshark's frame.number.
   */
  records = 0;
  readonly ifaces: InterfaceInfo[] = [];

  constructor(
    readonly file: string,
    protected readonly warnings: Warnings,
    protected readonly pacer: Pacer | null,
  ) {}

  /** Parses records in buf[pos, end) and returns the position of the first one not consumed. */
  abstract parse(buf: Uint8Array, pos: number, end: number): number;

  /** What a record cut short at `offset` is called in this format, for the truncation warning. */
  abstract recordName(): string;

  protected fail(message: string, offset: number): never {
    throw new CaptureError(message, this.file, offset);
  }
}
