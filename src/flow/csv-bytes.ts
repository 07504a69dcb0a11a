/**
 * CSV fields appended as UTF-8 bytes to a growing Buffer. A flow row has
 * ~110 fields, mostly integers: building it as a JS string made ~220
 * concatenations, then a join and a UTF-8 encode per batch, which cost more
 * than the flow table itself. Here integers are written as digits straight
 * into the buffer; other numbers keep V8's Number→String (the text must equal
 * `String(v)` exactly), and ASCII strings are copied byte by byte.
 */

const COMMA = 0x2c;
const QUOTE = 0x22;
const ZERO = 0x30;
const MINUS = 0x2d;

export class CsvBytes {
  buf: Buffer;
  pos = 0;

  constructor(initial = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Makes room for `n` more bytes (growing never moves written bytes out of order). */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }

  /** The bytes written so far, handed over: the next field starts a fresh buffer of the same size. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.buf.length);
    this.pos = 0;
    return out;
  }

  comma(): void {
    this.ensure(1);
    this.buf[this.pos++] = COMMA;
  }

  byte(c: number): void {
    this.ensure(1);
    this.buf[this.pos++] = c;
  }

  /** A numeric field as csvField writes it: `String(v)`, or 0 for NaN and ±Infinity. */
  num(v: number): void {
    if (v === (v | 0) && v !== -2147483648) this.int32(v);
    else if (Number.isSafeInteger(v)) this.safeInt(v);
    else if (Number.isFinite(v)) this.ascii(String(v));
    else this.byte(ZERO);
  }

  /** An int32 other than -2^31 (-0 included, which String prints as "0"). */
  private int32(v: number): void {
    this.ensure(11);
    const b = this.buf;
    let p = this.pos;
    if (v < 0) {
      b[p++] = MINUS;
      v = -v;
    }
    let n = 1;
    for (let t = v; t >= 10; t = (t / 10) | 0) n++;
    p += n;
    this.pos = p;
    for (let i = 1; i <= n; i++) {
      const q = (v / 10) | 0;
      b[p - i] = ZERO + (v - q * 10);
      v = q;
    }
  }

  /** An integer beyond int32 but below 2^53, where every digit is exact (String agrees there). */
  private safeInt(v: number): void {
    if (v < 0) {
      this.byte(MINUS);
      v = -v;
    }
    // hi < 2^53 / 1e9 and lo < 1e9: both int32. The quotient is rounded, so floor may be one off: fix it from the exact remainder.
    let hi = Math.floor(v / 1e9);
    let lo = v - hi * 1e9;
    if (lo < 0) {
      hi--;
      lo += 1e9;
    } else if (lo >= 1e9) {
      hi++;
      lo -= 1e9;
    }
    this.int32(hi);
    this.ensure(9);
    const b = this.buf;
    const p = this.pos + 9;
    for (let i = 1; i <= 9; i++) {
      const q = (lo / 10) | 0;
      b[p - i] = ZERO + (lo - q * 10);
      lo = q;
    }
    this.pos = p;
  }

  /** A string known to need no quoting (number text, ISO times, addresses). */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** A text field, quoted per RFC 4180 when it holds a separator, quote or line break; UTF-8 beyond ASCII. */
  text(s: string): void {
    const n = s.length;
    this.ensure(n);
    const b = this.buf;
    const start = this.pos;
    let p = start;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || c === COMMA || c === QUOTE || c === 0x0a || c === 0x0d) {
        this.pos = start;
        this.textSlow(s);
        return;
      }
      b[p++] = c;
    }
    this.pos = p;
  }

  private textSlow(s: string): void {
    const field = /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    this.utf8(field);
  }

  /** Any string as UTF-8 (lone surrogates become U+FFFD, as a stream's string write does). */
  utf8(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
}
