/**
 * ISO-8601 UTC timestamps ("2020-06-10T09:21:03.720289Z") written as bytes.
 * The date is formatted by Date once per day; the time of day and the
 * fraction come from digit tables. Captures that span years (a second per
 * packet or two) would otherwise format a string per packet.
 */
import { IsoTimeFormatter } from './describe.js';
import { ascii, type Ascii, type ByteEmitter, FRACTION_DIVISORS, putDigits, putText, putTimeOfDay, putWord, word, type Word } from './emitter.js';
import { formatIsoTime } from '../util/format.js';

const DAY = 86400;
/** Date's range: ±8.64e15 ms around the epoch (ECMA-262 21.4.1.1); other times are printed as '@seconds' by IsoTimeFormatter. */
const MAX_DATE_SEC = 8.64e12;
/** Room of the per-second cache, in 8-byte words (a long prefix is simply not cached). */
const SEC_WORDS = 8;

export class IsoTimeBytes {
  private readonly strings = new IsoTimeFormatter();
  private day = NaN;
  /** `prefix` and "YYYY-MM-DDT" of `day`. */
  private date = ascii('');
  /**
   * The bytes last written for second `sec`, from the prefix through the '.'
   * (`secLen` of them, as little-endian 8-byte words like Ascii's): packets
   * come many per second, and copying those words replaces the time-of-day
   * arithmetic. NaN when nothing is cached.
   */
  private sec = NaN;
  private readonly secWords = new Float64Array(SEC_WORDS);
  private readonly secBytes = new Uint8Array(this.secWords.buffer);
  private secLen = 0;

  /** "Z" and the text after each timestamp, one store. */
  private readonly zAfter: Word;

  /**
   * `prefix` is written before each timestamp (e.g. a JSON key and its opening
   * quote), `after` after it (e.g. the closing quote; at most 7 bytes).
   */
  constructor(private readonly prefix = '', private readonly after = '') {
    this.zAfter = word('Z' + after);
  }

  /** Writes the prefix, the timestamp with `digits` (1..9) fraction digits through its "Z", and `after`. */
  write(e: ByteEmitter, tsSec: number, tsNsec: number, digits: number): void {
    const o = e.view;
    let p = e.pos;
    if (tsSec === this.sec && digits >= 1 && digits <= 9 && tsNsec >= 0 && tsNsec < 1000000000) {
      const w = this.secWords;
      for (let i = 0, n = (this.secLen + 7) >>> 3; i < n; i++) o.setFloat64(p + 8 * i, w[i]!, true);
      p += this.secLen;
    } else {
      if (!Number.isSafeInteger(tsSec) || tsSec > MAX_DATE_SEC || tsSec < -MAX_DATE_SEC || digits < 1 || digits > 9 || tsNsec < 0 || tsNsec >= 1000000000) {
        e.str(this.prefix + this.strings.format(tsSec, tsNsec, digits) + this.after);
        return;
      }
      const day = Math.floor(tsSec / DAY);
      if (day !== this.day) {
        this.day = day;
        this.date = dateText(this.prefix, day);
      }
      const start = p;
      p = putTimeOfDay(o, putText(o, p, this.date), tsSec - day * DAY);
      o.setUint8(p++, 0x2e);
      this.remember(tsSec, e.buf, start, p);
    }
    // The first `digits` digits of the 9-digit nanoseconds.
    p = putDigits(o, p, Math.floor(tsNsec / FRACTION_DIVISORS[digits]!), digits);
    e.pos = putWord(o, p, this.zAfter);
  }

  /** Caches b[start, end), just written for second `sec` (ASCII: the words are never NaN, see Ascii). */
  private remember(sec: number, b: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n > 8 * SEC_WORDS) {
      this.sec = NaN;
      return;
    }
    const c = this.secBytes;
    for (let i = 0; i < n; i++) c[i] = b[start + i]!;
    this.secLen = n;
    this.sec = sec;
  }
}

/** prefix + "YYYY-MM-DDT" (any year Date prints, e.g. "+010000-01-01T") of a day inside Date's range. */
function dateText(prefix: string, day: number): Ascii {
  const iso = formatIsoTime(day * DAY, 0, 0);
  return ascii(prefix + iso.slice(0, iso.indexOf('T') + 1));
}
