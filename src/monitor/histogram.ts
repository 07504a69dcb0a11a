/**
 * A log-linear histogram for latencies (seconds), HDR-style: each power of two
 * from 2^-20 s (~1 µs) to 2^10 s (1024 s) is split into 8 linear sub-buckets,
 * read straight from the float's exponent and top mantissa bits (no log call
 * per sample). Any percentile is exact to within one sub-bucket (≤ 12.5%
 * wide, reported at its middle: ±6.25%). Fixed memory, no allocation per sample.
 */
const MIN_EXP = -20;
const MAX_EXP = 10;
const SUB = 8;
const N = (MAX_EXP - MIN_EXP) * SUB + 2; // + underflow and overflow buckets

// Scratch view of one double's bits.
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
// Index of the high word on a little-endian machine (every platform Node runs on here).
const HI = 1;

export class LogHistogram {
  private readonly counts = new Float64Array(N);
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  add(v: number): void {
    if (!(v >= 0) || v === Infinity) return;
    this.counts[bucketOf(v)]! += 1;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** Value at quantile q ∈ [0,1] (middle of its bucket, clamped to the observed range). */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < N; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, bucketMid(i)));
    }
    return this.max;
  }

  get mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }
}

function bucketOf(v: number): number {
  F64[0] = v;
  const hi = U32[HI]!;
  const exp = ((hi >>> 20) & 0x7ff) - 1023;
  if (exp < MIN_EXP) return 0;
  if (exp >= MAX_EXP) return N - 1;
  return 1 + (exp - MIN_EXP) * SUB + ((hi >>> 17) & (SUB - 1));
}

function bucketMid(i: number): number {
  if (i === 0) return Math.pow(2, MIN_EXP) / 2;
  if (i === N - 1) return Math.pow(2, MAX_EXP);
  const k = i - 1;
  const exp = MIN_EXP + Math.floor(k / SUB);
  const sub = k % SUB;
  return Math.pow(2, exp) * (1 + (sub + 0.5) / SUB);
}
