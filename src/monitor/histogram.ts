/**
 * A log-scale histogram for latencies (seconds): 20 buckets per decade from
 * 1 µs to 1000 s, so any percentile is exact to within one bucket (±6%).
 * Fixed memory, no allocation per sample.
 */
const MIN = 1e-6;
const PER_DECADE = 20;
const DECADES = 9;
const N = PER_DECADE * DECADES + 2; // + underflow and overflow buckets

export class LogHistogram {
  private readonly counts = new Float64Array(N);
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  add(v: number): void {
    if (!(v >= 0) || !Number.isFinite(v)) return;
    this.counts[bucketOf(v)]! += 1;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** Value at quantile q ∈ [0,1] (geometric middle of its bucket, clamped to the observed range). */
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
  if (v < MIN) return 0;
  const b = 1 + Math.floor(Math.log10(v / MIN) * PER_DECADE);
  return b >= N - 1 ? N - 1 : b;
}

function bucketMid(i: number): number {
  if (i === 0) return MIN / 2;
  return MIN * Math.pow(10, (i - 0.5) / PER_DECADE);
}
