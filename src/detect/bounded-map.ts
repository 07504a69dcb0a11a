/**
 * A Map with a size bound and least-recently-used eviction. Every per-host or
 * per-domain table of the detectors is one of these, so a flood of random
 * sources costs at most `max` entries and shows up in `evicted`.
 * Map keeps insertion order, so "touch" = delete + set moves a key to the end.
 */
export class BoundedMap<K, V> {
  private readonly m = new Map<K, V>();
  /**
   * The most recently used key (when `hasNewest`): touching it again changes
   * no order, so `get` skips the delete + set, which would otherwise leave a
   * hole in the Map's table on every call (and a rehash every few calls on a
   * small table). A host or domain usually comes several times in a row.
   */
  private newest: K | undefined = undefined;
  private hasNewest = false;
  /** Entries dropped to respect the bound (a measure of table pressure). */
  evicted = 0;

  constructor(readonly max: number) {
    if (!(max >= 1)) throw new RangeError(`BoundedMap: max must be >= 1 (got ${max})`);
  }

  get size(): number {
    return this.m.size;
  }

  /** Reads without changing the recency order (cheap; used on the hot path). */
  peek(k: K): V | undefined {
    return this.m.get(k);
  }

  /** Reads and marks the entry most recently used. */
  get(k: K): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined && !(this.hasNewest && this.newest === k)) {
      this.m.delete(k);
      this.m.set(k, v);
      this.newest = k;
      this.hasNewest = true;
    }
    return v;
  }

  set(k: K, v: V): void {
    if (this.m.has(k)) this.m.delete(k);
    else if (this.m.size >= this.max) {
      const oldest = this.m.keys().next();
      if (oldest.done !== true) {
        this.m.delete(oldest.value);
        this.evicted++;
      }
    }
    this.m.set(k, v);
    this.newest = k;
    this.hasNewest = true;
  }

  delete(k: K): boolean {
    if (this.hasNewest && this.newest === k) {
      this.hasNewest = false;
      this.newest = undefined;
    }
    return this.m.delete(k);
  }

  clear(): void {
    this.m.clear();
    this.hasNewest = false;
    this.newest = undefined;
  }

  entries(): IterableIterator<[K, V]> {
    return this.m.entries();
  }

  values(): IterableIterator<V> {
    return this.m.values();
  }
}
