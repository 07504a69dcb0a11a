/**
 * A ByteEmitter whose full ~64 KiB Buffers go to a stream, so per-packet
 * output costs bytes written into memory instead of one syscall each. A
 * closed reader (EPIPE: `wirewatch read f | head`) is not an error: the
 * writer goes quiet and tells its owner, which stops the source.
 */
import type { Writable } from 'node:stream';
import { ByteEmitter } from './emitter.js';

export const CHUNK_BYTES = 64 * 1024;
/** Written chunks kept for reuse. */
const MAX_SPARE = 4;

export class BufferedWriter extends ByteEmitter {
  private closedByReader = false;
  private pendingError: Error | null = null;
  /** Bytes handed to the stream so far. */
  written = 0;

  constructor(
    private readonly out: Writable,
    /** Called once when the reader went away (EPIPE). */
    private readonly onReaderGone: () => void = () => {},
    private readonly chunkBytes = CHUNK_BYTES,
  ) {
    super(chunkBytes);
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.readerGone();
      else if (this.pendingError === null) this.pendingError = err;
    });
  }

  /** True once the reader closed its end: further output is dropped. */
  get closed(): boolean {
    return this.closedByReader;
  }

  /** Writes text as UTF-8. */
  write(s: string): void {
    this.str(s);
  }

  /** A full Buffer goes to the stream (a packet's output may straddle two chunks). */
  protected override makeRoom(n: number): void {
    if (this.closedByReader) this.pos = 0;
    else this.flush();
    if (n > this.buf.length) this.setBuffer(Buffer.allocUnsafe(Math.max(n, this.chunkBytes)));
  }

  /** Hands the collected bytes to the stream (synchronous for files and pipes on Linux). */
  flush(): void {
    if (this.closedByReader) this.pos = 0;
    if (this.pos === 0) return;
    const full = this.buf;
    const chunk = full.subarray(0, this.pos);
    this.pos = 0;
    this.written += chunk.length;
    /** Set when the stream keeps the chunk queued and the Buffer is to be reused once it reports it written. */
    let recycle = false;
    this.out.write(chunk, () => {
      if (recycle && full.length === this.chunkBytes && this.spare.length < MAX_SPARE) this.spare.push(full);
    });
    // Nothing left queued: the sink took the chunk before write returned (files, /dev/null, pipes
    // with room), so the Buffer is free again at once; the stream's callback only comes on the next
    // tick, after the rest of the synchronous batch of packets had each taken a fresh 64 KiB.
    if (this.out.writableLength === 0) return;
    // The stream keeps the chunk: the next bytes go into another Buffer, and this one is reused
    // once the stream reports it written (a fresh 64 KiB per chunk was ~1.5% of JSON output).
    recycle = true;
    this.setBuffer(this.spare.pop() ?? Buffer.allocUnsafe(this.chunkBytes));
  }

  /** Chunk Buffers the stream has finished writing, ready for reuse. */
  private readonly spare: Buffer[] = [];

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
