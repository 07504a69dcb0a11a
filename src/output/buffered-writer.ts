/**
 * Collects printed text as UTF-8 in ~64 KiB Buffers before writing, so
 * per-packet output costs one encode into memory instead of one syscall, and
 * no long chains of concatenated strings build up for the GC to walk. A closed reader
 * (EPIPE: `wirewatch read f | head`) is not an error: the writer goes quiet
 * and tells its owner, which stops the source.
 */
import type { Writable } from 'node:stream';

export const CHUNK_CHARS = 64 * 1024;

export class BufferedWriter {
  private buf: Buffer;
  private pos = 0;
  private closedByReader = false;
  private pendingError: Error | null = null;
  /** Bytes handed to the stream so far. */
  written = 0;

  constructor(
    private readonly out: Writable,
    /** Called once when the reader went away (EPIPE). */
    private readonly onReaderGone: () => void = () => {},
    private readonly chunkChars = CHUNK_CHARS,
  ) {
    this.buf = Buffer.allocUnsafe(chunkChars);
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.readerGone();
      else if (this.pendingError === null) this.pendingError = err;
    });
  }

  /** True once the reader closed its end: further output is dropped. */
  get closed(): boolean {
    return this.closedByReader;
  }

  write(s: string): void {
    if (this.closedByReader) return;
    // A UTF-16 unit takes at most 3 UTF-8 bytes: flush first unless the text surely fits.
    if (s.length * 3 > this.buf.length - this.pos) {
      this.flush();
      if (s.length * 3 > this.buf.length) {
        this.written += Buffer.byteLength(s);
        this.out.write(s);
        return;
      }
    }
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** Hands the collected bytes to the stream (synchronous for files and pipes on Linux). */
  flush(): void {
    if (this.pos === 0 || this.closedByReader) return;
    const chunk = this.buf.subarray(0, this.pos);
    // The stream may keep the chunk queued, so the next text goes into a fresh Buffer.
    this.buf = Buffer.allocUnsafe(this.chunkChars);
    this.pos = 0;
    this.written += chunk.length;
    this.out.write(chunk);
  }

  /** True when the stream buffers more than it can take right now (await drained() before more). */
  get congested(): boolean {
    return this.out.writableNeedDrain;
  }

  /** Resolves when the stream has room again (immediately when it has). */
  drained(): Promise<void> {
    if (!this.out.writableNeedDrain || this.closedByReader) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.out.off('drain', done);
        this.out.off('close', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
    });
  }

  /** Flushes and waits until everything written so far left the process; rejects on a real write error. */
  async end(): Promise<void> {
    this.flush();
    await this.drained();
    if (this.pendingError !== null) throw this.pendingError;
  }

  private readerGone(): void {
    if (this.closedByReader) return;
    this.closedByReader = true;
    this.pos = 0;
    this.onReaderGone();
  }
}
