/**
 * Space-Saving top-k (Metwally, Agrawal, El Abbadi 2005) over numeric keys,
 * behind a small write-combining cache.
 *
 * The table keeps at most `capacity` counters. When a new key arrives and the
 * table is full, it replaces the key with the smallest count and inherits that
 * count as its error. Guarantees (weighted updates, N = total weight added):
 * every key whose true weight exceeds N/capacity is in the table; each
 * reported weight over-estimates the true one by at most its `error`, and
 * error ≤ N/capacity.
 *
 * The cache in front is direct-mapped: consecutive packets of the same key
 * (the common case) add to a slot in a typed array and reach the table only
 * when another key takes the slot, or when the table is read. Grouping
 * updates this way changes no count and keeps the guarantees above (the
 * weighted Space-Saving bounds hold for any grouping), and it keeps the
 * per-packet path free of Map look-ups.
 *
 * Keys are numbers so that the hot path builds no strings: the caller hashes
 * the item and may attach four 32-bit words (`tag`, e.g. the IP address) from
 * which it formats a label only when it reports the top entries.
 *
 * The table (entries, size and total) may live in a given buffer, shared with
 * another thread: the monitor's worker updates it and the packet thread reads
 * it (`top`) while the worker is idle, after the worker has committed its
 * cache (`flush`). The cache and the key index stay private to the updater.
 */
export interface TopEntry {
  key: number;
  /** The four words given with the key when it entered the table. */
  tag: [number, number, number, number];
  count: number;
  /** Secondary weight tracked alongside (e.g. packets when ranking by bytes). */
  aux: number;
  error: number;
}

const CACHE_BITS = 10;
const CACHE = 1 << CACHE_BITS;
/** Doubles per cache slot: key, weight, aux weight, and one of padding so that slots never straddle a cache line. */
const SLOT = 4;
/** Largest `n` for which top(n) selects in one pass rather than sorting. */
const SELECT_MAX = 64;
/** Entries per block of the minimum search (see blockMin). */
const BLOCK_BITS = 5;
const BLOCK = 1 << BLOCK_BITS;

/** Doubles of the table's header in its buffer: entries in use, total weight. */
const META_WORDS = 2;
const M_SIZE = 0;
const M_TOTAL = 1;

export class SpaceSaving {
  /** Bytes of the buffer a table of `capacity` entries takes (see the constructor). */
  static bytes(capacity: number): number {
    return (META_WORDS + capacity * 4) * 8 + capacity * 4 * 4;
  }

  private readonly index = new Map<number, number>();
  /** Entries in use and total weight added: doubles in the buffer, so that a reader on another thread sees them. */
  private readonly meta: Float64Array;
  private readonly keys: Float64Array;
  private readonly counts: Float64Array;
  private readonly aux: Float64Array;
  private readonly errors: Float64Array;
  private readonly tags: Uint32Array;
  /**
   * Minimum count of each block of BLOCK entries, and whether it is stale.
   * Counts only grow, so an update just marks its block; the replacement of
   * the minimum recomputes the stale blocks, then scans the block minima and
   * one block instead of the whole table (with many distinct keys, every new
   * one replaces the minimum).
   */
  private readonly blockMin: Float64Array;
  private readonly blockStale: Uint8Array;
  /**
   * Write-combining cache: per slot, key, weight and aux weight side by side
   * (one cache line per update, not one per field); an empty slot has a NaN
   * key. Tags are read only when a slot is committed.
   */
  private readonly cache = new Float64Array(CACHE * SLOT).fill(NaN);
  private readonly cTag = new Uint32Array(CACHE * 4);

  /**
   * `buf` (SpaceSaving.bytes(capacity) bytes, zeroed) holds the table, e.g.
   * shared memory another SpaceSaving over the same buffer reads; by default
   * a private one.
   */
  constructor(
    readonly capacity: number,
    buf: ArrayBuffer | SharedArrayBuffer = new ArrayBuffer(SpaceSaving.bytes(Math.max(1, capacity))),
  ) {
    if (capacity < 1) throw new RangeError('capacity must be >= 1');
    if (buf.byteLength !== SpaceSaving.bytes(capacity)) throw new RangeError(`a table of ${capacity} entries takes ${SpaceSaving.bytes(capacity)} bytes`);
    let at = 0;
    const doubles = (n: number): Float64Array => {
      const a = new Float64Array(buf, at, n);
      at += n * 8;
      return a;
    };
    this.meta = doubles(META_WORDS);
    this.keys = doubles(capacity);
    this.counts = doubles(capacity);
    this.aux = doubles(capacity);
    this.errors = doubles(capacity);
    this.tags = new Uint32Array(buf, at, capacity * 4);
    const blocks = Math.ceil(capacity / BLOCK);
    this.blockMin = new Float64Array(blocks);
    this.blockStale = new Uint8Array(blocks).fill(1);
  }

  /**
   * Adds `weight` (and `auxWeight`) to `key` (any number but NaN); t0..t3 are
   * its tag words. Returns the cache slot the key now holds: two keys of one
   * slot commit each other on every update (see MonitorStage's address pairs).
   */
  add(key: number, weight: number, auxWeight: number, t0 = 0, t1 = 0, t2 = 0, t3 = 0): number {
    const h = cacheSlot(key);
    const cache = this.cache;
    const s = h * SLOT;
    const cached = cache[s]!;
    if (cached === key) {
      cache[s + 1]! += weight;
      cache[s + 2]! += auxWeight;
      return h;
    }
    if (cached === cached) this.commitSlot(h);
    cache[s] = key;
    cache[s + 1] = weight;
    cache[s + 2] = auxWeight;
    const t = h * 4;
    this.cTag[t] = t0;
    this.cTag[t + 1] = t1;
    this.cTag[t + 2] = t2;
    this.cTag[t + 3] = t3;
    return h;
  }

  /** Moves every cached update into the table. */
  flush(): void {
    const cache = this.cache;
    for (let h = 0; h < CACHE; h++) {
      const k = cache[h * SLOT]!;
      if (k === k) this.commitSlot(h);
    }
  }

  /** Moves cache slot `h` (not empty) into the table and empties it. */
  private commitSlot(h: number): void {
    const s = h * SLOT;
    const key = this.cache[s]!;
    const weight = this.cache[s + 1]!;
    const auxWeight = this.cache[s + 2]!;
    this.cache[s] = NaN;
    const meta = this.meta;
    meta[M_TOTAL]! += weight;
    const at = this.index.get(key);
    if (at !== undefined) {
      this.counts[at]! += weight;
      this.aux[at]! += auxWeight;
      this.blockStale[at >>> BLOCK_BITS] = 1;
      return;
    }
    let i: number;
    let inherited = 0;
    const size = meta[M_SIZE]!;
    if (size < this.capacity) {
      i = size;
      meta[M_SIZE] = size + 1;
    } else {
      i = this.minimumEntry();
      this.index.delete(this.keys[i]!);
      inherited = this.counts[i]!;
    }
    this.blockStale[i >>> BLOCK_BITS] = 1;
    this.keys[i] = key;
    this.counts[i] = inherited + weight;
    this.aux[i] = auxWeight;
    this.errors[i] = inherited;
    this.tags.set(this.cTag.subarray(h * 4, h * 4 + 4), i * 4);
    this.index.set(key, i);
  }

  /** Index of the entry with the smallest count, the first such in table order (the table is full). */
  private minimumEntry(): number {
    const counts = this.counts;
    const mins = this.blockMin;
    const stale = this.blockStale;
    const n = this.size;
    let best = 0;
    for (let b = 0; b < mins.length; b++) {
      if (stale[b] !== 0) {
        const end = Math.min(n, (b + 1) << BLOCK_BITS);
        let m = counts[b << BLOCK_BITS]!;
        for (let j = (b << BLOCK_BITS) + 1; j < end; j++) if (counts[j]! < m) m = counts[j]!;
        mins[b] = m;
        stale[b] = 0;
      }
      if (mins[b]! < mins[best]!) best = b;
    }
    let i = best << BLOCK_BITS;
    while (counts[i] !== mins[best]) i++;
    return i;
  }

  /** Entries in use. */
  private get size(): number {
    return this.meta[M_SIZE]!;
  }

  /** Total weight added (N). */
  get totalWeight(): number {
    this.flush();
    return this.meta[M_TOTAL]!;
  }

  /** Upper bound on any reported count's over-estimate: N / capacity. */
  get errorBound(): number {
    return this.totalWeight / this.capacity;
  }

  /**
   * The `n` largest entries, largest first, by the ranked weight or by the
   * auxiliary one. Ranking by `aux` is exact while the table has held every
   * key (distinct keys ≤ capacity); beyond that only the main weight carries
   * the Space-Saving guarantee.
   */
  top(n: number, by: 'count' | 'aux' = 'count'): TopEntry[] {
    this.flush();
    const k = Math.max(0, Math.min(n, this.size));
    const w = by === 'count' ? this.counts : this.aux;
    const w2 = by === 'count' ? this.aux : this.counts;
    let idx: number[];
    if (k <= SELECT_MAX) {
      // Reports ask for a handful of entries, often (every stats interval): select them
      // in one pass instead of sorting the whole table.
      idx = [];
      for (let i = 0; i < this.size; i++) {
        if (idx.length === k && (k === 0 || !this.ranksBefore(i, idx[k - 1]!, w, w2))) continue;
        let at = idx.length === k ? k - 1 : idx.length;
        while (at > 0 && this.ranksBefore(i, idx[at - 1]!, w, w2)) {
          idx[at] = idx[at - 1]!;
          at--;
        }
        idx[at] = i;
      }
    } else {
      idx = Array.from({ length: this.size }, (_, i) => i);
      idx.sort((a, b) => (this.ranksBefore(a, b, w, w2) ? -1 : 1));
      idx.length = k;
    }
    return idx.map((i) => ({
      key: this.keys[i]!,
      tag: [this.tags[i * 4]!, this.tags[i * 4 + 1]!, this.tags[i * 4 + 2]!, this.tags[i * 4 + 3]!],
      count: this.counts[i]!,
      aux: this.aux[i]!,
      error: this.errors[i]!,
    }));
  }

  /** Ranking order: larger weight, then larger secondary weight, then smaller key (keys are distinct: a total order). */
  private ranksBefore(a: number, b: number, w: Float64Array, w2: Float64Array): boolean {
    if (w[a] !== w[b]) return w[a]! > w[b]!;
    if (w2[a] !== w2[b]) return w2[a]! > w2[b]!;
    return this.keys[a]! < this.keys[b]!;
  }
}

/** The write-combining cache slot of `key`. */
function cacheSlot(key: number): number {
  // Keys above 2^32 (IPv6 hashes) fold their high bits in; 32-bit keys skip the division.
  const hi = key > 4294967295 ? (key / 4294967296) | 0 : 0;
  return Math.imul((key | 0) ^ hi, 0x9e3779b1) >>> (32 - CACHE_BITS);
}
