/**
 * Opens a capture for reading: a pcap or pcapng file (format from the magic,
 * never the extension), optionally gzip-compressed, or `-` for stdin.
 */
import { CaptureError, type FrameSource } from './frame.js';
import { CaptureFileSource } from './file-source.js';
import { FileInput, gzipFileInput, pipeInput, type ByteInput } from './input.js';
import { Pacer } from './pacer.js';

export interface OpenOptions {
  /** Pace frames by their timestamps (replay as captured). */
  realtime?: boolean;
  /** Replay speed factor with `realtime` (2 = twice as fast). Setting it implies realtime. */
  speed?: number;
}

async function fileInput(path: string): Promise<ByteInput> {
  const fi = await FileInput.open(path);
  const head = new Uint8Array(2);
  let n: number;
  try {
    n = await fi.read(head, 0, 2);
  } finally {
    await fi.close();
  }
  if (n === 2 && head[0] === 0x1f && head[1] === 0x8b) return gzipFileInput(path, fi.bytesTotal);
  return FileInput.open(path);
}

function describeOpenError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return 'no such file';
  if (err.code === 'EACCES') return 'permission denied';
  if (err.code === 'EISDIR') return 'is a directory';
  return err.message ?? String(e);
}

export async function openCaptureFile(path: string, opts: OpenOptions = {}): Promise<FrameSource> {
  const paced = opts.realtime === true || opts.speed !== undefined;
  const pacer = paced ? new Pacer(opts.speed ?? 1) : null;
  let input: ByteInput;
  const name = path === '-' ? '<stdin>' : path;
  try {
    input = path === '-' ? await pipeInput(process.stdin) : await fileInput(path);
  } catch (e) {
    throw new CaptureError(`cannot open capture: ${describeOpenError(e)}`, name, -1);
  }
  const src = new CaptureFileSource(name, input, pacer);
  await src.init();
  return src;
}
