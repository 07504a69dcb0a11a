/**
 * What every capture source hands to the packet path: one raw frame at a time,
 * in a reused object. Sources know nothing of protocols.
 *
 * `data` is a view into the source's own buffer and is only valid during the
 * callback: a stage that keeps bytes must copy them.
 */
import { ViewMaker } from '../util/view-maker.js';

export class RawFrame {
  /** 1-based frame number within the run (as tshark's frame.number). */
  n = 0;
  /** Timestamp: whole seconds since the epoch (may exceed 2^32 for pcapng). */
  tsSec = 0;
  /** Timestamp: nanoseconds within the second, 0..999_999_999. */
  tsNsec = 0;
  /**
   * False when the record carries no timestamp (pcapng Simple Packet Block);
   * tsSec/tsNsec then repeat the previous frame's time so packet time never jumps back.
   */
  hasTs = true;
  /** Digits of precision the capture has (6 = µs, 9 = ns); used only for printing. */
  tsDigits = 6;
  /** Original length on the wire. */
  origLen = 0;
  /** Captured length (bytes present in `data`). */
  capLen = 0;
  /** LINKTYPE_* of the interface the frame was captured on. */
  linkType = 1;
  /** Interface index (pcapng IDB index within its section; 0 for pcap and live). */
  ifIndex = 0;
  /** Byte offset of the record in the (decompressed) input, for error messages. */
  fileOffset = 0;
  /**
   * Where the frame bytes are: `capLen` bytes at `dataOff` of `buf`. A file reader points
   * this at its own read buffer, so a frame needs no view object of its own: creating one
   * per record cost about as much as the whole record parse (allocation and young-GC).
   */
  buf: Uint8Array = EMPTY;
  dataOff = 0;
  private view: Uint8Array | null = EMPTY;
  private readonly views = new ViewMaker();

  /** The frame bytes (length === capLen), as a view made on first read. */
  get data(): Uint8Array {
    if (this.view === null) this.view = this.views.view(this.buf, this.dataOff, this.capLen);
    return this.view;
  }
  set data(v: Uint8Array) {
    this.buf = v;
    this.dataOff = 0;
    this.view = v;
  }

  /** Points the frame at `capLen` bytes at `off` of `buf` (set capLen too). */
  setBytes(buf: Uint8Array, off: number): void {
    this.buf = buf;
    this.dataOff = off;
    this.view = null;
  }
}

const EMPTY = new Uint8Array(0);

/** Statistics a source reports at any moment and at the end. */
export interface SourceStats {
  /** Frames delivered to the callback. */
  frames: number;
  /** Bytes of input consumed (file bytes, or captured bytes live). */
  bytesRead: number;
  /** Total input size when known (regular files), else -1. */
  bytesTotal: number;
  /** Live capture only: packets the kernel dropped (pcap_stats ps_drop), else 0. */
  dropped: number;
  /** Live capture only: packets the interface/driver dropped (ps_ifdrop), else 0. */
  ifDropped: number;
  /** Warnings (truncated last record, odd headers...), human readable. */
  warnings: string[];
}

/** Description of one capture interface (pcapng IDB, pcap header, or live handle). */
export interface InterfaceInfo {
  linkType: number;
  snapLen: number;
  name: string;
  /** Digits of timestamp precision (6 = µs, 9 = ns, other for pcapng if_tsresol). */
  tsDigits: number;
}

/**
 * A source of frames. `run` calls `onFrame` synchronously for each frame and
 * resolves when the input ends or `stop()` was called. Errors in the input
 * (corrupt record) reject with a CaptureError after every good frame before
 * it was delivered.
 */
export interface FrameSource {
  readonly name: string;
  run(onFrame: (frame: RawFrame) => void): Promise<SourceStats>;
  stop(): void;
  stats(): SourceStats;
  /** Interfaces seen so far (for writers, BPF compilation, printing). */
  interfaces(): readonly InterfaceInfo[];
}

/** An error in the capture input, with the byte offset where it was found. */
export class CaptureError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly offset: number,
  ) {
    super(offset >= 0 ? `${file}: ${message} (at byte offset ${offset})` : `${file}: ${message}`);
    this.name = 'CaptureError';
  }
}
