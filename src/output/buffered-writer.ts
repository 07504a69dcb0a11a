/**
 * Collects printed text into ~64 KiB chunks before writing, so per-packet
 * output costs one string append instead of one syscall. A closed reader
 * (EPIPE: `wirewatch read f | head`) is not an error: the writer goes quiet
 * and tells its owner, which stops the source.
 */
import type { Writable } from 'node:stream';

export const CHUNK_CHARS = 64 * 1024;

export class BufferedWriter {
  private buf = '';
  private closedByReader = false;
  private pendingError: Error | null = null;
  /** Characters handed to the stream so far. */
  written = 0;

  constructor(
    private readonly out: Writable,
    /** Called once when the reader went away (EPIPE). */
    private readonly onReaderGone: () => void = () => {},
    private readonly chunkChars = CHUNK_CHARS,
  ) {
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
    this.buf += s;
    if (this.buf.length >= this.chunkChars) this.flush();
  }

  /** Hands the collected text to the stream (synchronous for files and pipes on Linux). */
  flush(): void {
    if (this.buf.length === 0 || this.closedByReader) return;
    const chunk = this.buf;
    this.buf = '';
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
    this.buf = '';
    this.onReaderGone();
  }
}
