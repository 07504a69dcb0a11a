/**
 * A byte emitter: printers write ASCII bytes straight into one reused Buffer
 * (numbers as digits, addresses from the packet's bytes through tables,
 * constant words pre-encoded), so printing a packet builds no JS strings and
 * needs no UTF-8 encoding pass. Packet-supplied text (DNS names, HTTP fields)
 * goes through `str`, which writes correct UTF-8.
 *
 * Two styles over the same bytes: the `put*` functions take the DataView of
 * the output Buffer and a cursor and return the new cursor, so a printer's
 * hot path keeps both in locals (`const o = e.view; let p = e.pos; ...
 * e.pos = p`); the methods of ByteEmitter wrap them for the rarer paths.
 *
 * Room: the `put*` functions and unchecked methods do not test for space. A
 * printer calls `reserve(SLACK)` at the start of each record and layer, and
 * `str` leaves SLACK bytes free after its text, so the fixed-size writes
 * between two such points (well under SLACK bytes) always fit. What happens
 * when the Buffer is full is up to the subclass (BufferedWriter hands the
 * bytes to its stream; this class grows).
 */
import { ipv6ZeroRun } from '../util/format.js';

/** Bytes of fixed-size output a printer may write after a `reserve(SLACK)` or a `str`. */
export const SLACK = 1024;

/**
 * An ASCII constant pre-encoded as little-endian 64-bit words (raw bytes in a
 * Float64Array), so copying it costs one store per eight bytes (the last store
 * may spill up to seven bytes past its end, into room that SLACK guarantees
 * and later writes overwrite). Characters are limited to U+0000..U+007E: a
 * word whose top byte were 0x7F or above could read as a NaN, whose bits an
 * engine may canonicalise.
 */
export class Ascii {
  readonly length: number;
  readonly words: Float64Array;
  private restCache: Ascii | null = null;

  constructor(readonly text: string) {
    this.length = text.length;
    // At least one word, so putText's first store is unconditional.
    const bytes = new Uint8Array(8 * Math.max(1, (text.length + 7) >>> 3));
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x7f) throw new RangeError(`Ascii constant with character U+${c.toString(16).padStart(4, '0')}: ${JSON.stringify(text)}`);
      bytes[i] = c;
    }
    this.words = new Float64Array(bytes.buffer);
  }

  /** The same text without its first character (a JSON key without its leading comma). */
  get rest(): Ascii {
    return (this.restCache ??= new Ascii(this.text.slice(1)));
  }
}

export function ascii(s: string): Ascii {
  return new Ascii(s);
}

/**
 * An ASCII constant of at most eight bytes as one number field: putWord
 * copies it with one store and no array read, small enough to be inlined
 * wherever it is called (same spill and character rules as Ascii).
 */
export class Word {
  readonly value: number;
  readonly length: number;

  constructor(readonly text: string) {
    if (text.length > 8) throw new RangeError(`Word constant longer than 8 bytes: ${JSON.stringify(text)}`);
    const a = new Ascii(text);
    this.value = a.words[0]!;
    this.length = text.length;
  }
}

export function word(s: string): Word {
  return new Word(s);
}

function bytesOf(s: string): Uint8Array {
  const a = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) a[i] = s.charCodeAt(i);
  return a;
}

const HEX_DIGITS = bytesOf('0123456789abcdef');
/** Per byte value, its two lower-case hex digits as a little-endian 16-bit word. */
const HEX_PAIR = new Uint16Array(256);
/** "0x" as a little-endian 16-bit word. */
const HEX_PREFIX = 0x30 | (0x78 << 8);
const V4_MAPPED = ascii('::ffff:');
/** Scratch for the eight 16-bit groups of the IPv6 address being printed. */
const GROUPS = new Int32Array(8);

/**
 * Per byte value, "ddd." (an octet and its dot, 2..4 bytes) and "xx:" (a MAC
 * byte and its colon) as little-endian words: one store per octet, like Ascii.
 */
const OCTET_DOT = new Uint32Array(256);
const OCTET_DOT_LEN = new Uint8Array(256);
const HEX_PAIR_COLON = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  const d = `${i}.`;
  let w = 0;
  for (let k = 0; k < d.length; k++) w |= d.charCodeAt(k) << (8 * k);
  OCTET_DOT[i] = w >>> 0;
  OCTET_DOT_LEN[i] = d.length;
  HEX_PAIR[i] = HEX_DIGITS[i >>> 4]! | (HEX_DIGITS[i & 15]! << 8);
  HEX_PAIR_COLON[i] = HEX_PAIR[i]! | (58 << 16);
}

/*
 * The put* functions write into the DataView of the output Buffer (the
 * emitter's `view`): an unaligned multi-byte store is one DataView call, and
 * taking the view as an argument keeps its bounds in a register across a
 * printer's run of stores.
 */

/** Copies an ASCII constant (see Ascii for the up-to-seven bytes it may spill). */
export function putText(v: DataView, p: number, a: Ascii): number {
  const w = a.words;
  v.setFloat64(p, w[0]!, true);
  if (w.length > 1) {
    v.setFloat64(p + 8, w[1]!, true);
    for (let i = 2; i < w.length; i++) v.setFloat64(p + 8 * i, w[i]!, true);
  }
  return p + a.length;
}

/** Copies a Word (one store; spills up to seven bytes like putText). */
export function putWord(v: DataView, p: number, w: Word): number {
  v.setFloat64(p, w.value, true);
  return p + w.length;
}

/** Four lower-case hex digits (no "0x") of 0 <= x <= 0xffff; other values as putHex spells them after its "0x". */
export function putHex4Digits(v: DataView, p: number, x: number): number {
  if (x >>> 0 !== x || x > 0xffff) return putAscii(v, p, x.toString(16).padStart(4, '0'));
  v.setUint32(p, HEX_PAIR[x >>> 8]! | (HEX_PAIR[x & 255]! << 16), true);
  return p + 4;
}

/** An ASCII string (number and hex fallbacks only). */
function putAscii(v: DataView, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) v.setUint8(p++, s.charCodeAt(i));
  return p;
}

/** "0000".."9999" as little-endian 32-bit words: four digits in one store. */
const DIGITS4 = new Uint32Array(10000);
/** 0..9999 without leading zeros as little-endian words (spill up to three bytes), and their lengths. */
const LEAD = new Uint32Array(10000);
const LEAD_LEN = new Uint8Array(10000);
for (let i = 0; i < 10000; i++) {
  const d = String(i).padStart(4, '0');
  DIGITS4[i] = (d.charCodeAt(0) | (d.charCodeAt(1) << 8) | (d.charCodeAt(2) << 16) | (d.charCodeAt(3) << 24)) >>> 0;
  const len = i < 10 ? 1 : i < 100 ? 2 : i < 1000 ? 3 : 4;
  LEAD[i] = DIGITS4[i]! >>> (32 - 8 * len);
  LEAD_LEN[i] = len;
}

/** The last `width` (1..4) digits of the zero-padded 0 <= n < 10000. */
function putDigits4(v: DataView, p: number, n: number, width: number): number {
  v.setUint32(p, DIGITS4[n]! >>> (32 - 8 * width), true);
  return p + width;
}

/** Any number as String(n) spells it; integers 0..2^32-1 without making the string. */
export function putUint(v: DataView, p: number, n: number): number {
  if (n >>> 0 !== n) return putAscii(v, p, String(n));
  if (n < 10000) {
    v.setUint32(p, LEAD[n]!, true);
    return p + LEAD_LEN[n]!;
  }
  return putUintLong(v, p, n);
}

/**
 * putUint of 10000 <= n < 2^32. The quotients are taken of uint32 values and
 * truncated with `>>> 0`, which lets the compiler divide by the constant with
 * an integer multiply instead of a float division and floor.
 */
function putUintLong(v: DataView, p: number, n: number): number {
  const u = n >>> 0;
  if (u < 100000000) {
    const hi = (u / 10000) >>> 0;
    v.setUint32(p, LEAD[hi]!, true);
    p += LEAD_LEN[hi]!;
    v.setUint32(p, DIGITS4[u - hi * 10000]!, true);
    return p + 4;
  }
  const top = (u / 100000000) >>> 0;
  const rest = (u - top * 100000000) >>> 0;
  const mid = (rest / 10000) >>> 0;
  v.setUint32(p, LEAD[top]!, true);
  p += LEAD_LEN[top]!;
  v.setUint32(p, DIGITS4[mid]!, true);
  v.setUint32(p + 4, DIGITS4[rest - mid * 10000]!, true);
  return p + 8;
}

/** `width` (1..9) zero-padded decimal digits of 0 <= n < 10^width. */
export function putDigits(v: DataView, p: number, n: number, width: number): number {
  if (width <= 4) return putDigits4(v, p, n, width);
  const hi = Math.floor(n / 10000);
  const lo = n - hi * 10000;
  if (width <= 8) return putDigits4(v, putDigits4(v, p, hi, width - 4), lo, 4);
  const top = Math.floor(hi / 10000);
  return putDigits4(v, putDigits4(v, putDigits4(v, p, top, width - 8), hi - top * 10000, 4), lo, 4);
}

/** "HH:MM:SS" of a second of the day, 0 <= sod < 86400. */
export function putTimeOfDay(v: DataView, p: number, sod: number): number {
  const h = Math.floor(sod / 3600);
  const r = sod - h * 3600;
  const m = Math.floor(r / 60);
  p = putDigits4(v, p, h, 2);
  v.setUint8(p++, 0x3a);
  p = putDigits4(v, p, m, 2);
  v.setUint8(p++, 0x3a);
  return putDigits4(v, p, r - m * 60, 2);
}

/** 10^(9 - digits): the divisor that keeps the first `digits` of nine. */
export const FRACTION_DIVISORS: readonly number[] = [1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 1e2, 1e1, 1];

/** "0x" and `width` lower-case hex digits of 0 <= x < 16^width (other values as `0x${x.toString(16).padStart(width, '0')}`). */
export function putHex(v: DataView, p: number, x: number, width: number): number {
  if (x >>> 0 !== x || (width < 8 && x >= 1 << (4 * width))) return putAscii(v, p, `0x${x.toString(16).padStart(width, '0')}`);
  v.setUint16(p, HEX_PREFIX, true);
  const start = p + 2;
  const end = start + width;
  // Two digits per store from the right, then the odd leading digit.
  let q = end;
  for (; q - 2 >= start; x >>>= 8) {
    q -= 2;
    v.setUint16(q, HEX_PAIR[x & 255]!, true);
  }
  if (q > start) v.setUint8(start, HEX_DIGITS[x & 15]!);
  return end;
}

/** Dotted quad of a uint32 address value. */
export function putIpv4(v: DataView, p: number, a: number): number {
  let o = a >>> 24;
  v.setUint32(p, OCTET_DOT[o]!, true);
  p += OCTET_DOT_LEN[o]!;
  o = (a >>> 16) & 255;
  v.setUint32(p, OCTET_DOT[o]!, true);
  p += OCTET_DOT_LEN[o]!;
  o = (a >>> 8) & 255;
  v.setUint32(p, OCTET_DOT[o]!, true);
  p += OCTET_DOT_LEN[o]!;
  o = a & 255;
  v.setUint32(p, OCTET_DOT[o]!, true);
  // The last octet's dot is spill: the cursor stops before it.
  return p + OCTET_DOT_LEN[o]! - 1;
}

/** "aa:bb:cc:dd:ee:ff" from the 6 bytes at `off` of `src`. */
export function putMac(v: DataView, p: number, src: Uint8Array, off: number): number {
  for (let i = 0; i < 6; i++) {
    v.setUint32(p, HEX_PAIR_COLON[src[off + i]!]!, true);
    p += 3;
  }
  // The last byte's colon is spill: the cursor stops before it.
  return p - 1;
}

/** RFC 5952 text of an IPv6 address given as four uint32 words (as formatIPv6Words). */
export function putIpv6Words(v: DataView, p: number, w: ArrayLike<number>): number {
  for (let i = 0; i < 4; i++) {
    GROUPS[2 * i] = (w[i]! >>> 16) & 0xffff;
    GROUPS[2 * i + 1] = w[i]! & 0xffff;
  }
  return putIpv6Groups(v, p);
}

/** RFC 5952 text of the 16-byte IPv6 address at `off` of `src` (as formatIPv6Bytes). */
export function putIpv6Bytes(v: DataView, p: number, src: Uint8Array, off: number): number {
  for (let i = 0; i < 8; i++) GROUPS[i] = (src[off + 2 * i]! << 8) | src[off + 2 * i + 1]!;
  return putIpv6Groups(v, p);
}

function putIpv6Groups(v: DataView, p: number): number {
  const g = GROUPS;
  const run = ipv6ZeroRun(g);
  const bestStart = run < 0 ? -1 : run >>> 4;
  const bestLen = run & 15;
  // IPv4-mapped (::ffff:a.b.c.d) keeps the dotted tail, as tshark and inet_ntop print it.
  if (bestStart === 0 && bestLen === 5 && g[5] === 0xffff) {
    return putIpv4(v, putText(v, p, V4_MAPPED), ((g[6]! << 16) | g[7]!) >>> 0);
  }
  // The groups joined by ':', the zero run standing for an empty part ("::" at either end).
  for (let i = 0; i < 8; i++) {
    if (i > 0) v.setUint8(p++, 58);
    if (i === bestStart) {
      if (i === 0) v.setUint8(p++, 58);
      i += bestLen - 1;
      if (i === 7) v.setUint8(p++, 58);
      continue;
    }
    // Hex digits without leading zeros.
    const x = g[i]!;
    if (x >= 0x1000) v.setUint8(p++, HEX_DIGITS[x >>> 12]!);
    if (x >= 0x100) v.setUint8(p++, HEX_DIGITS[(x >>> 8) & 15]!);
    if (x >= 0x10) v.setUint8(p++, HEX_DIGITS[(x >>> 4) & 15]!);
    v.setUint8(p++, HEX_DIGITS[x & 15]!);
  }
  return p;
}

export class ByteEmitter {
  /** The output Buffer and a DataView over it (the put* functions' target); set together by setBuffer. */
  buf: Buffer;
  view: DataView;
  pos = 0;

  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = viewOf(this.buf);
  }

  /** Writes go to `b` from now on (the cursor is not moved). */
  protected setBuffer(b: Buffer): void {
    this.buf = b;
    this.view = viewOf(b);
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.pos + n > this.buf.length) this.makeRoom(n);
  }

  /** Called when `n` bytes do not fit: this base class grows its Buffer. */
  protected makeRoom(n: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.setBuffer(bigger);
  }

  /** The bytes written so far as text; empties the emitter. */
  take(): string {
    const s = this.buf.toString('utf8', 0, this.pos);
    this.pos = 0;
    return s;
  }

  byte(c: number): void {
    this.view.setUint8(this.pos++, c);
  }

  bytes(a: Ascii): void {
    this.pos = putText(this.view, this.pos, a);
  }

  uint(n: number): void {
    this.pos = putUint(this.view, this.pos, n);
  }

  digits(n: number, width: number): void {
    this.pos = putDigits(this.view, this.pos, n, width);
  }

  hex(v: number, width: number): void {
    this.pos = putHex(this.view, this.pos, v, width);
  }

  ipv4(v: number): void {
    this.pos = putIpv4(this.view, this.pos, v);
  }

  mac(src: Uint8Array, off: number): void {
    this.pos = putMac(this.view, this.pos, src, off);
  }

  ipv6Words(w: ArrayLike<number>): void {
    this.pos = putIpv6Words(this.view, this.pos, w);
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

function viewOf(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
