/**
 * Writes frames to pcap or pcapng files without blocking the packet path:
 * write() encodes into an in-memory chunk and returns; full chunks are
 * written by one asynchronous drain loop. The memory waiting for the disk is
 * bounded; beyond it frames are dropped and counted. Rotation follows
 * tcpdump -C/-W: a new file once the current one is bigger than rotateBytes,
 * named file, file1, file2... (or file0..file{W-1}, reused in a ring, with -W).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { openSync, closeSync } from 'node:fs';
import type { RawFrame } from './frame.js';
import {
  EPB_OVERHEAD,
  PCAP_RECORD_HEADER_LEN,
  pcapFileHeader,
  pcapngInterface,
  pcapngSectionHeader,
  putEpbHeader,
  putPcapRecordHeader,
  type CaptureFormat,
} from './writer-format.js';

export interface CaptureWriterOptions {
  /** Default from the extension: `.pcap` → pcap, anything else → pcapng. */
  format?: CaptureFormat;
  /** Link type of the file header / first IDB. */
  linkType: number;
  snapLen: number;
  /** 9 writes nanosecond timestamps (pcap nanosecond magic / pcapng if_tsresol 9); otherwise microseconds. */
  tsDigits: number;
  /** Start a new file once the current one exceeds this many bytes (tcpdump -C, in bytes). 0 = never. */
  rotateBytes?: number;
  /** With rotateBytes: keep at most this many files, overwriting in a ring (tcpdump -W). */
  rotateCount?: number;
  /** Bytes allowed to wait for the disk before frames are dropped (default 64 MiB). */
  maxBufferBytes?: number;
  /** Data waiting in the current chunk is written after at most this many ms (default 500), so live files stay current. */
  flushMs?: number;
}

export interface CaptureWriterStats {
  /** Frames accepted (encoded for writing). */
  written: number;
  /** Frames dropped because the disk could not keep up (buffer full) or after a write error. */
  dropped: number;
  /** pcap only: frames whose link type differs from the file's (pcap holds a single link type). */
  linkTypeMismatch: number;
  /**
   * Frames whose timestamp does not fit the format (pcap: seconds >= 2^32; pcapng: more than 2^64 units),
   * written with the timestamp wrapped: counted so the loss is visible.
   */
  tsOverflow: number;
  /** Files opened, in order (a ring of rotateCount may reopen names). */
  files: string[];
  bytesWritten: number;
}

export interface CaptureWriter {
  readonly path: string;
  readonly format: CaptureFormat;
  write(frame: RawFrame): void;
  stats(): CaptureWriterStats;
  /** Writes everything buffered and closes the file; rejects with the first I/O error. */
  close(): Promise<void>;
}

const CHUNK = 1024 * 1024;

/** tcpdump's file naming: digits for W-1, and the bare name for file 0 when W is not given. */
export function rotatedName(base: string, index: number, rotateCount: number): string {
  let digits = 0;
  for (let x = rotateCount - 1; x > 0; x = Math.floor(x / 10)) digits++;
  if (index === 0 && digits === 0) return base;
  return base + String(index).padStart(digits, '0');
}

/** One item of the drain queue: open the next file, or write bytes to the current one. */
interface QueueItem {
  openPath: string | null;
  data: Uint8Array | null;
}

class FileCaptureWriter implements CaptureWriter {
  readonly format: CaptureFormat;
  private readonly nano: boolean;
  private readonly rotateBytes: number;
  private readonly rotateCount: number;
  private readonly maxBuffer: number;
  private readonly flushMs: number;
  /** Largest whole second the format can hold. */
  private readonly maxSec: number;
  private chunk: Uint8Array = Buffer.allocUnsafe(CHUNK);
  private chunkUsed = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly queue: QueueItem[] = [];
  private queuedBytes = 0;
  private draining: Promise<void> | null = null;
  private fh: FileHandle | null = null;
  private error: Error | null = null;
  private closed = false;
  /** Bytes of the current file, counted when encoded (the rotation decision needs them synchronously). */
  private fileBytes = 0;
  private fileIndex = 0;
  /** pcapng: interface id per link type in the current file. */
  private ifIds = new Map<number, number>();
  private readonly st: CaptureWriterStats = { written: 0, dropped: 0, linkTypeMismatch: 0, tsOverflow: 0, files: [], bytesWritten: 0 };

  constructor(
    readonly path: string,
    private readonly opts: CaptureWriterOptions,
  ) {
    this.format = opts.format ?? (path.toLowerCase().endsWith('.pcap') ? 'pcap' : 'pcapng');
    this.nano = opts.tsDigits === 9;
    this.rotateBytes = opts.rotateBytes ?? 0;
    this.rotateCount = this.rotateBytes > 0 ? (opts.rotateCount ?? 0) : 0;
    this.maxBuffer = opts.maxBufferBytes ?? 64 * 1024 * 1024;
    this.flushMs = opts.flushMs ?? 500;
    this.maxSec = this.format === 'pcap' ? 4294967295 : Math.floor(18446744073709551615 / (this.nano ? 1e9 : 1e6)) - 1;
    const first = rotatedName(path, 0, this.rotateCount);
    // Fail at once on a bad path (missing directory, permissions) rather than at the first flush.
    closeSync(openSync(first, 'w'));
    this.startFile(first);
  }

  private startFile(name: string): void {
    this.enqueue({ openPath: name, data: null });
    this.st.files.push(name);
    this.fileBytes = 0;
    this.ifIds = new Map();
    const header = this.format === 'pcap' ? pcapFileHeader(this.opts.linkType, this.opts.snapLen, this.nano) : pcapngSectionHeader();
    this.append(header);
    if (this.format === 'pcapng') this.addInterface(this.opts.linkType);
  }

  private addInterface(linkType: number): number {
    const id = this.ifIds.size;
    this.ifIds.set(linkType, id);
    this.append(pcapngInterface(linkType, this.opts.snapLen, this.nano));
    return id;
  }

  /** Copies small header blocks into the chunk. */
  private append(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.chunk.set(bytes, this.chunkUsed);
    this.chunkUsed += bytes.length;
    this.fileBytes += bytes.length;
  }

  /** Makes room for `n` bytes in the current chunk, handing a full chunk to the drain loop. */
  private reserve(n: number): void {
    if (this.chunkUsed + n <= this.chunk.length) return;
    this.flushChunk();
    if (n > this.chunk.length) this.chunk = Buffer.allocUnsafe(n);
  }

  private flushChunk(): void {
    if (this.flushTimer !== null) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.chunkUsed === 0) return;
    const data = this.chunk.subarray(0, this.chunkUsed);
    this.chunk = Buffer.allocUnsafe(CHUNK);
    this.chunkUsed = 0;
    this.enqueue({ openPath: null, data });
  }

  private enqueue(item: QueueItem): void {
    this.queue.push(item);
    if (item.data !== null) this.queuedBytes += item.data.length;
    if (this.draining === null) this.draining = this.drain();
  }

  write(frame: RawFrame): void {
    if (this.closed || this.error !== null) {
      this.st.dropped++;
      return;
    }
    const snap = this.opts.snapLen;
    const capLen = snap > 0 && frame.capLen > snap ? snap : frame.capLen;
    let recLen: number;
    if (this.format === 'pcap') {
      if (frame.linkType !== this.opts.linkType) {
        this.st.linkTypeMismatch++;
        return;
      }
      recLen = PCAP_RECORD_HEADER_LEN + capLen;
    } else {
      recLen = EPB_OVERHEAD + ((capLen + 3) & ~3);
    }
    if (this.queuedBytes + this.chunkUsed + recLen > this.maxBuffer) {
      this.st.dropped++;
      return;
    }
    if (this.rotateBytes > 0 && this.fileBytes > this.rotateBytes) {
      this.flushChunk();
      this.fileIndex++;
      if (this.rotateCount > 0 && this.fileIndex >= this.rotateCount) this.fileIndex = 0;
      this.startFile(rotatedName(this.path, this.fileIndex, this.rotateCount));
    }
    let ifId = 0;
    if (this.format === 'pcapng') {
      const known = this.ifIds.get(frame.linkType);
      ifId = known === undefined ? this.addInterface(frame.linkType) : known;
    }
    if (frame.tsSec > this.maxSec) this.st.tsOverflow++;
    this.reserve(recLen);
    const b = this.chunk;
    const o = this.chunkUsed;
    if (this.format === 'pcap') {
      putPcapRecordHeader(b, o, frame.tsSec, frame.tsNsec, this.nano, capLen, frame.origLen);
      b.set(capLen === frame.data.length ? frame.data : frame.data.subarray(0, capLen), o + PCAP_RECORD_HEADER_LEN);
    } else {
      putEpbHeader(b, o, ifId, frame.tsSec, frame.tsNsec, this.nano, capLen, frame.origLen);
      b.set(capLen === frame.data.length ? frame.data : frame.data.subarray(0, capLen), o + 28);
    }
    this.chunkUsed += recLen;
    this.fileBytes += recLen;
    this.st.written++;
    if (this.flushTimer === null && this.flushMs >= 0) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        this.flushChunk();
      }, this.flushMs);
      this.flushTimer.unref();
    }
  }

  /** Writes queued items in order; on an I/O error keeps the first error and discards the rest. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const item = this.queue.shift()!;
        if (this.error !== null) {
          if (item.data !== null) this.queuedBytes -= item.data.length;
          continue;
        }
        try {
          if (item.openPath !== null) {
            if (this.fh !== null) await this.fh.close();
            this.fh = null;
            this.fh = await open(item.openPath, 'w');
          } else if (item.data !== null) {
            let off = 0;
            while (off < item.data.length) {
              const { bytesWritten } = await this.fh!.write(item.data, off, item.data.length - off);
              off += bytesWritten;
            }
            this.st.bytesWritten += item.data.length;
            this.queuedBytes -= item.data.length;
          }
        } catch (e) {
          if (item.data !== null) this.queuedBytes -= item.data.length;
          this.error = new Error(`capture writer ${this.path}: ${(e as Error).message}`);
        }
      }
    } finally {
      this.draining = null;
    }
  }

  stats(): CaptureWriterStats {
    return { ...this.st, files: this.st.files.slice() };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flushChunk();
    while (this.draining !== null) await this.draining;
    if (this.fh !== null) {
      await this.fh.close();
      this.fh = null;
    }
    if (this.error !== null) throw this.error;
  }
}

export function createCaptureWriter(path: string, opts: CaptureWriterOptions): CaptureWriter {
  return new FileCaptureWriter(path, opts);
}
