/**
 * Byte inputs under the capture readers: a regular file (read straight into
 * the reader's buffer), or a stream of chunks (gzip, stdin). Readers only see
 * `read()`, so files, compressed files and pipes share one parsing path.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export interface ByteInput {
  /** Reads up to `length` bytes into `target` at `offset`; 0 means end of input. */
  read(target: Uint8Array, offset: number, length: number): Promise<number>;
  /** Bytes consumed from the underlying file or pipe (compressed bytes for gzip). */
  bytesRead(): number;
  /** Size of the underlying file, or -1 when unknown (pipes). */
  readonly bytesTotal: number;
  close(): Promise<void>;
}

/** A regular file read sequentially with positional reads. */
export class FileInput implements ByteInput {
  private position = 0;

  private constructor(
    private readonly fh: FileHandle,
    readonly bytesTotal: number,
  ) {}

  static async open(path: string): Promise<FileInput> {
    const fh = await open(path, 'r');
    try {
      const st = await fh.stat();
      return new FileInput(fh, st.isFile() ? st.size : -1);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  async read(target: Uint8Array, offset: number, length: number): Promise<number> {
    const { bytesRead } = await this.fh.read(target, offset, length, this.position);
    this.position += bytesRead;
    return bytesRead;
  }

  bytesRead(): number {
    return this.position;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** Chunks from an async iterable (a Readable), copied into the reader's buffer on demand. */
export class ChunkInput implements ByteInput {
  private chunk: Uint8Array | null = null;
  private chunkPos = 0;
  private done = false;
  private readonly it: AsyncIterator<Uint8Array>;

  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly progress: () => number,
    readonly bytesTotal: number,
    private readonly onClose: () => void,
  ) {
    this.it = source[Symbol.asyncIterator]();
  }

  async read(target: Uint8Array, offset: number, length: number): Promise<number> {
    while (this.chunk === null || this.chunkPos >= this.chunk.length) {
      if (this.done) return 0;
      const r = await this.it.next();
      if (r.done === true) {
        this.done = true;
        this.chunk = null;
        return 0;
      }
      this.chunk = r.value;
      this.chunkPos = 0;
    }
    const n = Math.min(length, this.chunk.length - this.chunkPos);
    target.set(this.chunk.subarray(this.chunkPos, this.chunkPos + n), offset);
    this.chunkPos += n;
    return n;
  }

  bytesRead(): number {
    return this.progress();
  }

  async close(): Promise<void> {
    this.done = true;
    this.onClose();
    await this.it.return?.();
  }
}

const READ_CHUNK = 1 << 20;

/** Wraps a compressed byte stream in a gunzip stream (several concatenated members are fine). */
function gunzipped(src: Readable): Readable {
  const gz = createGunzip({ chunkSize: 256 * 1024 });
  src.on('error', (e: Error) => gz.destroy(e));
  return src.pipe(gz);
}

/** A gzip-compressed regular file; progress counts compressed bytes so it compares with the file size. */
export function gzipFileInput(path: string, size: number): ChunkInput {
  const rs: ReadStream = createReadStream(path, { highWaterMark: READ_CHUNK });
  const gz = gunzipped(rs);
  return new ChunkInput(gz, () => rs.bytesRead, size, () => {
    gz.destroy();
    rs.destroy();
  });
}

/** The first chunk of a pipe, already taken to look at the magic, put back in front of the rest. */
async function* prepend(first: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield first;
  for (;;) {
    const r = await rest.next();
    if (r.done === true) return;
    yield r.value;
  }
}

/** A pipe (stdin): looks at the first bytes for the gzip magic, then streams. */
export async function pipeInput(stream: Readable): Promise<ByteInput> {
  let consumed = 0;
  const counted = async function* (): AsyncGenerator<Uint8Array> {
    for await (const c of stream as AsyncIterable<Uint8Array>) {
      consumed += c.length;
      yield c;
    }
  };
  const it = counted();
  // Gather at least two bytes (a pipe may deliver one byte at a time).
  let head = new Uint8Array(0);
  while (head.length < 2) {
    const r = await it.next();
    if (r.done === true) break;
    const merged = new Uint8Array(head.length + r.value.length);
    merged.set(head);
    merged.set(r.value, head.length);
    head = merged;
  }
  const all = prepend(head, it);
  const close = (): void => {
    stream.destroy();
  };
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gz = gunzipped(Readable.from(all, { objectMode: false }));
    return new ChunkInput(gz, () => consumed, -1, () => {
      gz.destroy();
      close();
    });
  }
  return new ChunkInput(all, () => consumed, -1, close);
}
