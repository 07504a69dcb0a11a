/**
 * Makes Uint8Array views into a reader's buffer. `buf.buffer` of a
 * Buffer-backed array is a slow accessor (it showed as ~10% of a brief print
 * run when read per frame), so the ArrayBuffer and offset are read once per
 * buffer and reused while the frames come from the same one.
 */
export class ViewMaker {
  private of: Uint8Array | null = null;
  private ab: ArrayBufferLike = new ArrayBuffer(0);
  private abOff = 0;

  /** A view of `len` bytes at `off` of `buf`. */
  view(buf: Uint8Array, off: number, len: number): Uint8Array {
    if (buf !== this.of) {
      this.of = buf;
      this.ab = buf.buffer;
      this.abOff = buf.byteOffset;
    }
    return new Uint8Array(this.ab, this.abOff + off, len);
  }
}
