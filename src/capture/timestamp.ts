/**
 * Exact timestamp arithmetic on 64-bit counts held as two uint32 words.
 *
 * pcapng stores timestamps as a 64-bit count of units (10^-n or 2^-n s), and
 * nanosecond counts of today's dates exceed 2^53, so a plain double loses the
 * last digits. Splitting the division into 16-bit steps keeps every
 * intermediate below 2^53, without BigInt on the common resolutions.
 * Fractions are truncated like Wireshark's `(ts % units) * 1e9 / units`.
 */
import type { RawFrame } from './frame.js';

const TWO32 = 4294967296;

/** How an interface's timestamp units convert to seconds + nanoseconds. */
export class TsResolution {
  /** 0: decimal 10^-n with n <= 9; 1: binary 2^-n with n <= 32; 2: anything else (BigInt, rare). */
  readonly mode: 0 | 1 | 2;
  /** Units per second for mode 0 (10^n). */
  private readonly divisor: number;
  /** Nanoseconds per unit for mode 0 (10^(9-n)). */
  private readonly nsPerUnit: number;
  private readonly bits: number;
  private readonly unitsPerSecBig: bigint;
  /** Digits worth printing (6 for µs, 9 for ns...). */
  readonly digits: number;

  /** `tsresol` is the raw pcapng if_tsresol byte (MSB set = power of two). */
  constructor(readonly tsresol: number) {
    const binary = (tsresol & 0x80) !== 0;
    const n = tsresol & 0x7f;
    this.bits = n;
    this.divisor = 1;
    this.nsPerUnit = 1;
    this.unitsPerSecBig = 1n;
    if (!binary && n <= 9) {
      this.mode = 0;
      this.divisor = 10 ** n;
      this.nsPerUnit = 10 ** (9 - n);
      this.digits = n;
    } else if (binary && n <= 32) {
      this.mode = 1;
      this.digits = Math.min(9, Math.ceil(n * Math.LOG10E * Math.LN2));
    } else {
      this.mode = 2;
      this.unitsPerSecBig = binary ? 1n << BigInt(n) : 10n ** BigInt(n);
      this.digits = 9;
    }
  }

  /** Writes frame.tsSec / frame.tsNsec for a count of units `high * 2^32 + low`, plus `offsetSec`. */
  convert(high: number, low: number, offsetSec: number, frame: RawFrame): void {
    if (this.mode === 0) {
      const d = this.divisor;
      const qh = Math.floor(high / d);
      const t1 = (high - qh * d) * 65536 + (low >>> 16);
      const q1 = Math.floor(t1 / d);
      const t2 = (t1 - q1 * d) * 65536 + (low & 0xffff);
      const q2 = Math.floor(t2 / d);
      frame.tsSec = qh * TWO32 + q1 * 65536 + q2 + offsetSec;
      frame.tsNsec = (t2 - q2 * d) * this.nsPerUnit;
    } else if (this.mode === 1) {
      const n = this.bits;
      let frac: number;
      if (n === 32) {
        frame.tsSec = high + offsetSec;
        frac = low;
      } else if (n === 0) {
        frame.tsSec = high * TWO32 + low + offsetSec;
        frac = 0;
      } else {
        frame.tsSec = high * 2 ** (32 - n) + (low >>> n) + offsetSec;
        frac = (low & ((1 << n) - 1)) >>> 0;
      }
      // 1e9 = 2^9 * 1953125: frac * 1953125 < 2^53, and dividing by a power of two is exact.
      frame.tsNsec = n >= 9 ? Math.floor((frac * 1953125) / 2 ** (n - 9)) : (frac * 1e9) / 2 ** n;
    } else {
      // Exotic resolutions (finer than 1 ns decimal, or 2^-33 and finer): rare, exactness over speed.
      const units = (BigInt(high) << 32n) | BigInt(low);
      const per = this.unitsPerSecBig;
      frame.tsSec = Number(units / per) + offsetSec;
      frame.tsNsec = Number(((units % per) * 1_000_000_000n) / per);
    }
  }
}

/**
 * Splits `sec * perSec + frac` into uint32 words without losing precision
 * (perSec is 1e6 or 1e9; sec < 2^37). Returns the high word; low goes in out[0].
 */
export function unitsHighLow(sec: number, frac: number, perSec: number, out: Uint32Array): number {
  const hi = Math.floor(sec / 65536);
  const lo = sec - hi * 65536;
  const a = hi * perSec; // < 2^51
  const b = lo * perSec + frac; // < 2^46
  const aHi = Math.floor(a / 65536);
  const aLo = (a - aHi * 65536) * 65536;
  const bHi = Math.floor(b / TWO32);
  const bLo = b - bHi * TWO32;
  let low = aLo + bLo;
  let carry = 0;
  if (low >= TWO32) {
    low -= TWO32;
    carry = 1;
  }
  out[0] = low;
  return aHi + bHi + carry;
}
