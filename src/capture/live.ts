/**
 * A FrameSource over a live libpcap handle (native/wirewatch_pcap.c).
 *
 * The binding copies packets into one reused batch buffer and calls back once
 * per batch; this source walks the records and hands each one to the
 * pipeline through the same RawFrame object. stop() takes effect at once,
 * even in the middle of a batch, so `-c N` delivers exactly N packets.
 */
import { readFileSync } from 'node:fs';
import { RawFrame, type FrameSource, type InterfaceInfo, type SourceStats } from './frame.js';
import { loadNative, type NativeCapture, type NativeStats, type OpenOptions } from './native.js';

/** Record header in the batch buffer: tsSec, tsFrac, capLen, origLen (uint32 each). */
const REC_HDR = 16;
const DEFAULT_BATCH_BYTES = 4 * 1024 * 1024;

export interface LiveOptions extends OpenOptions {
  /** Kernel (BPF) filter expression, compiled by libpcap for this handle. */
  filter?: string;
  /** Size of the reused batch buffer (default 4 MiB; at least one snaplen record). */
  batchBytes?: number;
}

/** MTU of a Linux interface from sysfs, or `fallback` when it cannot be read. */
export function interfaceMtu(iface: string, fallback = 1500): number {
  if (!/^[\w.:@-]+$/.test(iface)) return fallback;
  try {
    const n = Number(readFileSync(`/sys/class/net/${iface}/mtu`, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : fallback;
  } catch {
    return fallback;
  }
}

export class LiveSource implements FrameSource {
  private readonly frame = new RawFrame();
  private readonly linkType: number;
  private readonly batchBytes: number;
  private stopped = false;
  private closed = false;
  private frames = 0;
  private bytes = 0;
  private lastStats: NativeStats = { received: 0, dropped: 0, ifDropped: 0 };
  private finish: ((s: SourceStats) => void) | null = null;
  private fail: ((e: Error) => void) | null = null;
  private readonly warnings: string[] = [];

  /** Wraps an already open handle (open first, then drop privileges, then run). */
  constructor(
    readonly name: string,
    private readonly handle: NativeCapture,
    batchBytes = DEFAULT_BATCH_BYTES,
  ) {
    this.linkType = handle.datalink();
    // One full-size record must always fit, whatever the snaplen.
    this.batchBytes = Math.max(batchBytes, REC_HDR + ((handle.snaplen + 3) & ~3) + 64);
    if (handle.warning !== undefined) this.warnings.push(`${name}: ${handle.warning}`);
    this.frame.linkType = this.linkType;
    this.frame.tsDigits = handle.nanosecond ? 9 : 6;
  }

  /** Opens `iface` with libpcap and applies the kernel filter, if any. Errors carry the binding's `code` (EPERM, ENODEV...). */
  static open(iface: string, opts: LiveOptions = {}): LiveSource {
    const native = loadNative();
    const { filter, batchBytes, ...openOpts } = opts;
    const handle = native.open(iface, openOpts);
    try {
      if (filter !== undefined && filter !== '') handle.setFilter(filter);
    } catch (e) {
      handle.close();
      throw e;
    }
    return new LiveSource(iface, handle, batchBytes);
  }

  run(onFrame: (frame: RawFrame) => void): Promise<SourceStats> {
    if (this.stopped) return Promise.resolve(this.stats());
    const buf = new Uint8Array(new ArrayBuffer(this.batchBytes));
    const words = new Uint32Array(buf.buffer);
    const frame = this.frame;
    const toNsec = this.handle.nanosecond ? 1 : 1000;
    const onBatch = (count: number, used: number): void => {
      let off = 0;
      for (let i = 0; i < count && off < used && !this.stopped; i++) {
        const w = off >>> 2;
        const capLen = words[w + 2]!;
        frame.n = ++this.frames;
        frame.tsSec = words[w]!;
        frame.tsNsec = words[w + 1]! * toNsec;
        frame.capLen = capLen;
        frame.origLen = words[w + 3]!;
        frame.fileOffset = -1;
        // Like the file readers: the frame points into the batch buffer; a view is made only if read.
        frame.setBytes(buf, off + REC_HDR);
        this.bytes += capLen;
        off += REC_HDR + ((capLen + 3) & ~3);
        onFrame(frame);
      }
    };
    return new Promise<SourceStats>((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
      try {
        this.handle.start(buf, onBatch, (err) => {
          this.fail?.(err);
          this.shutdown();
        });
      } catch (e) {
        this.shutdown();
        reject(e as Error);
      }
    });
  }

  /** Stops delivery at once (also mid-batch) and closes the handle; run() then resolves. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.shutdown();
  }

  private shutdown(): void {
    this.stopped = true;
    if (!this.closed) {
      this.refreshStats();
      this.closed = true;
      this.handle.close();
    }
    const finish = this.finish;
    this.finish = null;
    this.fail = null;
    finish?.(this.stats());
  }

  private refreshStats(): void {
    if (this.closed) return;
    try {
      this.lastStats = this.handle.stats();
    } catch (e) {
      this.warnings.push(`${this.name}: pcap_stats failed: ${(e as Error).message}`);
    }
  }

  stats(): SourceStats {
    this.refreshStats();
    return {
      frames: this.frames,
      bytesRead: this.bytes,
      bytesTotal: -1,
      dropped: this.lastStats.dropped,
      ifDropped: this.lastStats.ifDropped,
      warnings: this.warnings,
    };
  }

  /** Packets the kernel saw (pcap_stats ps_recv), for rate displays. */
  received(): number {
    this.refreshStats();
    return this.lastStats.received;
  }

  interfaces(): readonly InterfaceInfo[] {
    return [{ linkType: this.linkType, snapLen: this.handle.snaplen, name: this.name, tsDigits: this.frame.tsDigits }];
  }
}
