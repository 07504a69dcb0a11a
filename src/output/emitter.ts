/**
 * A byte emitter: printers write ASCII bytes straight into one reused Buffer
 * (numbers as digits, addresses from the packet's bytes through tables,
 * constant words pre-encoded), so printing a packet builds no JS strings and
 * needs no UTF-8 encoding pass. Packet-supplied text (DNS names, HTTP fields)
 * goes through `str`, which writes correct UTF-8.
 *
 * Room: the unchecked methods (`byte`, `bytes`, `uint`, `ipv6Words`...) do
 * not test for space. A printer calls `reserve(SLACK)` at the start of each
 * record and layer, and `str` leaves SLACK bytes free after its text, so the
 * fixed-size writes between two such points (well under SLACK bytes) always
 * fit. What happens when the Buffer is full is up to the subclass
 * (BufferedWriter hands the bytes to its stream; this class grows).
 */

/** Bytes of fixed-size output a printer may write after a `reserve(SLACK)` or a `str`. */
export const SLACK = 1024;

/** Latin-1 bytes of an ASCII constant, for `bytes`. */
export function ascii(s: string): Uint8Array {
  const a = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) a[i] = s.charCodeAt(i);
  return a;
}

const HEX_DIGITS = ascii('0123456789abcdef');
const V4_MAPPED = ascii('::ffff:');
/** Scratch for the eight 16-bit groups of the IPv6 address being printed. */
const GROUPS = new Int32Array(8);
/** Decimal digits of 0..255 as byte arrays, for dotted quads. */
const DEC_BYTES: readonly Uint8Array[] = Array.from({ length: 256 }, (_, i) => ascii(String(i)));

export class ByteEmitter {
  buf: Buffer;
  pos = 0;

  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.pos + n > this.buf.length) this.makeRoom(n);
  }

  /** Called when `n` bytes do not fit: this base class grows its Buffer. */
  protected makeRoom(n: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** The bytes written so far as text; empties the emitter. */
  take(): string {
    const s = this.buf.toString('utf8', 0, this.pos);
    this.pos = 0;
    return s;
  }

  byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  /** The bytes of `a` from index `from` on. */
  bytes(a: Uint8Array, from = 0): void {
    const b = this.buf;
    let p = this.pos;
    // A loop beats buf.set for the few-byte constants printers copy.
    for (let i = from; i < a.length; i++) b[p++] = a[i]!;
    this.pos = p;
  }

  /** Any number as String(n) would spell it; integers 0..2^32-1 without a string. */
  uint(n: number): void {
    if (n >>> 0 !== n) {
      this.str(String(n));
      return;
    }
    const b = this.buf;
    if (n < 10) {
      b[this.pos++] = 48 + n;
      return;
    }
    const len = n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7
      : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
    let p = this.pos + len;
    this.pos = p;
    do {
      const q = (n / 10) >>> 0;
      b[--p] = 48 + n - q * 10;
      n = q;
    } while (n > 0);
  }

  /** `width` zero-padded decimal digits of 0 <= n < 10^width. */
  digits(n: number, width: number): void {
    const b = this.buf;
    let p = this.pos + width;
    this.pos = p;
    for (let i = 0; i < width; i++) {
      const q = (n / 10) >>> 0;
      b[--p] = 48 + n - q * 10;
      n = q;
    }
  }

  /** "0x" and `width` lower-case hex digits of 0 <= v < 16^width (wider values print all their digits). */
  hex(v: number, width: number): void {
    if (v >>> 0 !== v || (width < 8 && v >= 1 << (4 * width))) {
      this.str(`0x${v.toString(16).padStart(width, '0')}`);
      return;
    }
    const b = this.buf;
    b[this.pos++] = 48; // 0
    b[this.pos++] = 120; // x
    let p = this.pos + width;
    this.pos = p;
    for (let i = 0; i < width; i++) {
      b[--p] = HEX_DIGITS[v & 15]!;
      v >>>= 4;
    }
  }

  /** Two lower-case hex digits of a byte. */
  hexByte(v: number): void {
    const b = this.buf;
    b[this.pos++] = HEX_DIGITS[v >>> 4]!;
    b[this.pos++] = HEX_DIGITS[v & 15]!;
  }

  /** Dotted quad of a uint32 address value. */
  ipv4(v: number): void {
    this.bytes(DEC_BYTES[v >>> 24]!);
    this.byte(46);
    this.bytes(DEC_BYTES[(v >>> 16) & 255]!);
    this.byte(46);
    this.bytes(DEC_BYTES[(v >>> 8) & 255]!);
    this.byte(46);
    this.bytes(DEC_BYTES[v & 255]!);
  }

  /** "aa:bb:cc:dd:ee:ff" from the 6 bytes at `off` of `src`. */
  mac(src: Uint8Array, off: number): void {
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < 6; i++) {
      const v = src[off + i]!;
      if (i > 0) b[p++] = 58; // :
      b[p++] = HEX_DIGITS[v >>> 4]!;
      b[p++] = HEX_DIGITS[v & 15]!;
    }
    this.pos = p;
  }

  /** RFC 5952 text of an IPv6 address given as four uint32 words (as formatIPv6Words). */
  ipv6Words(w: ArrayLike<number>): void {
    for (let i = 0; i < 4; i++) {
      GROUPS[2 * i] = (w[i]! >>> 16) & 0xffff;
      GROUPS[2 * i + 1] = w[i]! & 0xffff;
    }
    this.ipv6Groups();
  }

  /** RFC 5952 text of the 16-byte IPv6 address at `off` of `src` (as formatIPv6Bytes). */
  ipv6Bytes(src: Uint8Array, off: number): void {
    for (let i = 0; i < 8; i++) GROUPS[i] = (src[off + 2 * i]! << 8) | src[off + 2 * i + 1]!;
    this.ipv6Groups();
  }

  private ipv6Groups(): void {
    const g = GROUPS;
    // Longest run of zero groups (length >= 2) becomes "::" (RFC 5952 4.2).
    let bestStart = -1;
    let bestLen = 0;
    for (let i = 0; i < 8; ) {
      if (g[i] === 0) {
        let j = i;
        while (j < 8 && g[j] === 0) j++;
        if (j - i > bestLen && j - i >= 2) {
          bestStart = i;
          bestLen = j - i;
        }
        i = j;
      } else i++;
    }
    // IPv4-mapped (::ffff:a.b.c.d) keeps the dotted tail, as tshark and inet_ntop print it.
    if (bestStart === 0 && bestLen === 5 && g[5] === 0xffff) {
      this.bytes(V4_MAPPED);
      this.ipv4(((g[6]! << 16) | g[7]!) >>> 0);
      return;
    }
    // The groups joined by ':', the zero run standing for an empty part ("::" at either end).
    for (let i = 0; i < 8; i++) {
      if (i > 0) this.byte(58);
      if (i === bestStart) {
        if (i === 0) this.byte(58);
        i += bestLen - 1;
        if (i === 7) this.byte(58);
        continue;
      }
      this.hexGroup(g[i]!);
    }
  }

  /** Hex digits of 0..0xffff without leading zeros. */
  private hexGroup(v: number): void {
    const b = this.buf;
    if (v >= 0x1000) b[this.pos++] = HEX_DIGITS[v >>> 12]!;
    if (v >= 0x100) b[this.pos++] = HEX_DIGITS[(v >>> 8) & 15]!;
    if (v >= 0x10) b[this.pos++] = HEX_DIGITS[(v >>> 4) & 15]!;
    b[this.pos++] = HEX_DIGITS[v & 15]!;
  }

  /** UTF-8 of any string (reserves its own room, and SLACK more). */
  str(s: string): void {
    const n = s.length;
    this.reserve(3 * n + SLACK);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        // Multi-byte characters (and lone surrogates, as U+FFFD) are the encoder's job.
        this.pos = p + b.write(s.slice(i), p, 'utf8');
        return;
      }
      b[p++] = c;
    }
    this.pos = p;
  }
}
