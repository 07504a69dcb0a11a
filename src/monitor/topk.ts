/**
 * Space-Saving top-k (Metwally, Agrawal, El Abbadi 2005) over numeric keys.
 *
 * Keeps at most `capacity` counters. When a new key arrives and the table is
 * full, it replaces the key with the smallest count and inherits that count
 * as its error. Guarantees: every key whose true count exceeds N/capacity is
 * in the table (N = total weight added); each reported count over-estimates
 * the true count by at most its `error`, and error ≤ N/capacity. Reporting
 * the top 10 out of capacity ≥ 100 keeps the error below 1% of the total.
 *
 * Keys are numbers so that the hot path builds no strings: the caller hashes
 * the item (e.g. an IPv4 address is its own key) and supplies a label only
 * when a key enters the table.
 */
export interface TopEntry {
  key: number;
  label: string;
  count: number;
  /** Secondary weight tracked alongside (e.g. packets when ranking by bytes). */
  aux: number;
  error: number;
}

/** Supplies the display label of a key entering the table (kept as an object, not a closure, so callers allocate nothing per item). */
export interface Labeler {
  labelFor(key: number): string;
}

export class SpaceSaving {
  private readonly index = new Map<number, number>();
  private readonly keys: Float64Array;
  private readonly counts: Float64Array;
  private readonly aux: Float64Array;
  private readonly errors: Float64Array;
  private readonly labels: string[];
  private size = 0;
  private total = 0;

  constructor(readonly capacity: number) {
    if (capacity < 1) throw new RangeError('capacity must be >= 1');
    this.keys = new Float64Array(capacity);
    this.counts = new Float64Array(capacity);
    this.aux = new Float64Array(capacity);
    this.errors = new Float64Array(capacity);
    this.labels = new Array<string>(capacity).fill('');
  }

  /**
   * Adds `weight` to `key`. `labeler` is asked only when the key enters the
   * table (so a string is built once per new heavy key, not per packet).
   */
  add(key: number, weight: number, auxWeight: number, labeler: Labeler): void {
    this.total += weight;
    const at = this.index.get(key);
    if (at !== undefined) {
      this.counts[at]! += weight;
      this.aux[at]! += auxWeight;
      return;
    }
    if (this.size < this.capacity) {
      const i = this.size++;
      this.place(i, key, weight, auxWeight, 0, labeler.labelFor(key));
      return;
    }
    // Replace the minimum (linear scan: capacity is small, and this path only runs for new keys).
    let min = 0;
    for (let i = 1; i < this.size; i++) if (this.counts[i]! < this.counts[min]!) min = i;
    this.index.delete(this.keys[min]!);
    const inherited = this.counts[min]!;
    this.place(min, key, inherited + weight, auxWeight, inherited, labeler.labelFor(key));
  }

  private place(i: number, key: number, count: number, aux: number, error: number, label: string): void {
    this.keys[i] = key;
    this.counts[i] = count;
    this.aux[i] = aux;
    this.errors[i] = error;
    this.labels[i] = label;
    this.index.set(key, i);
  }

  /** Total weight added (N). */
  get totalWeight(): number {
    return this.total;
  }

  /** Upper bound on any reported count's over-estimate: N / capacity. */
  get errorBound(): number {
    return this.total / this.capacity;
  }

  /**
   * The `n` largest entries, largest first, by the ranked weight or by the
   * auxiliary one. Ranking by `aux` is exact while the table has held every
   * key (distinct keys ≤ capacity); beyond that only the main weight carries
   * the Space-Saving guarantee.
   */
  top(n: number, by: 'count' | 'aux' = 'count'): TopEntry[] {
    const idx = Array.from({ length: this.size }, (_, i) => i);
    const w = by === 'count' ? this.counts : this.aux;
    const w2 = by === 'count' ? this.aux : this.counts;
    idx.sort((a, b) => w[b]! - w[a]! || w2[b]! - w2[a]! || this.keys[a]! - this.keys[b]!);
    return idx.slice(0, n).map((i) => ({
      key: this.keys[i]!,
      label: this.labels[i]!,
      count: this.counts[i]!,
      aux: this.aux[i]!,
      error: this.errors[i]!,
    }));
  }
}
