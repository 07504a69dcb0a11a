/**
 * ISO-8601 UTC timestamps ("2020-06-10T09:21:03.720289Z") written as bytes.
 * The date is formatted by Date once per day; the time of day and the
 * fraction come from digit tables. Captures that span years (a second per
 * packet or two) would otherwise format a string per packet.
 */
import { IsoTimeFormatter } from './describe.js';
import { ascii, type Ascii, type ByteEmitter, FRACTION_DIVISORS, putDigits, putText, putTimeOfDay } from './emitter.js';
import { formatIsoTime } from '../util/format.js';

const DAY = 86400;
/** Date's range: ±8.64e15 ms around the epoch (ECMA-262 21.4.1.1); other times are printed as '@seconds' by IsoTimeFormatter. */
const MAX_DATE_SEC = 8.64e12;

export class IsoTimeBytes {
  private readonly strings = new IsoTimeFormatter();
  private day = NaN;
  /** `prefix` and "YYYY-MM-DDT" of `day`. */
  private date = ascii('');

  /** `prefix` is written before each timestamp (e.g. a JSON key and its opening quote). */
  constructor(private readonly prefix = '') {}

  /** Writes the prefix and the timestamp with `digits` (1..9) fraction digits, through its "Z". */
  write(e: ByteEmitter, tsSec: number, tsNsec: number, digits: number): void {
    if (!Number.isSafeInteger(tsSec) || tsSec > MAX_DATE_SEC || tsSec < -MAX_DATE_SEC || digits < 1 || digits > 9 || tsNsec < 0 || tsNsec >= 1000000000) {
      e.str(this.prefix + this.strings.format(tsSec, tsNsec, digits));
      return;
    }
    const day = Math.floor(tsSec / DAY);
    if (day !== this.day) {
      this.day = day;
      this.date = dateText(this.prefix, day);
    }
    const o = e.view;
    let p = putTimeOfDay(o, putText(o, e.pos, this.date), tsSec - day * DAY);
    o.setUint8(p++, 0x2e);
    // The first `digits` digits of the 9-digit nanoseconds.
    p = putDigits(o, p, Math.floor(tsNsec / FRACTION_DIVISORS[digits]!), digits);
    o.setUint8(p++, 0x5a); // Z
    e.pos = p;
  }
}

/** prefix + "YYYY-MM-DDT" (any year Date prints, e.g. "+010000-01-01T") of a day inside Date's range. */
function dateText(prefix: string, day: number): Ascii {
  const iso = formatIsoTime(day * DAY, 0, 0);
  return ascii(prefix + iso.slice(0, iso.indexOf('T') + 1));
}
