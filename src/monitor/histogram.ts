/**
 * A log-linear histogram for latencies (seconds), HDR-style: each power of two
 * from 2^-20 s (~1 µs) to 2^10 s (1024 s) is split into 8 linear sub-buckets,
 * read straight from the float's exponent and top mantissa bits (no log call
 * per sample). Any percentile is exact to within one sub-bucket (≤ 12.5%
 * wide, reported at its middle: ±6.25%). Fixed memory, no allocation per sample.
 *
 * The bucket counts and the totals live in one Float64Array, which may be a
 * view of shared memory: the TCP analysis fills its histograms in a worker
 * thread and the packet thread reads them through a second LogHistogram over
 * the same words.
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

// Words after the bucket counts.
const COUNT = N;
const SUM = N + 1;
const MIN = N + 2;
const MAX = N + 3;

export class LogHistogram {
  /** Float64 words a histogram takes (bucket counts, then count, sum, min, max). */
  static readonly WORDS = N + 4;
  private readonly w: Float64Array;

  /** Over `words` (LogHistogram.WORDS of them, e.g. in shared memory), initialised empty when `init`. */
  constructor(words: Float64Array = new Float64Array(LogHistogram.WORDS), init = true) {
    if (words.length !== LogHistogram.WORDS) throw new RangeError(`a LogHistogram takes ${LogHistogram.WORDS} words`);
    this.w = words;
    if (init) {
      words.fill(0);
      words[MIN] = Infinity;
      words[MAX] = -Infinity;
    }
  }

  get count(): number {
    return this.w[COUNT]!;
  }
  get sum(): number {
    return this.w[SUM]!;
  }
  get min(): number {
    return this.w[MIN]!;
  }
  get max(): number {
    return this.w[MAX]!;
  }

  add(v: number): void {
    if (!(v >= 0) || v === Infinity) return;
    const w = this.w;
    w[bucketOf(v)]! += 1;
    w[COUNT]! += 1;
    w[SUM]! += v;
    if (v < w[MIN]!) w[MIN] = v;
    if (v > w[MAX]!) w[MAX] = v;
  }

  /** Value at quantile q ∈ [0,1] (middle of its bucket, clamped to the observed range). */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < N; i++) {
      seen += this.w[i]!;
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
