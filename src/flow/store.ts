/**
 * Storage for active flows: numeric state in chunked Float64Array slabs
 * (chunks of 1024 flows, so growth never copies and waste is bounded), key
 * words in matching Uint32Array chunks, an open-addressing hash index over
 * them, and a doubly-linked list in last-activity order (the head is the
 * least recently active flow: idle expiry and eviction pop from there).
 */
import { F, K } from './layout.js';

const CHUNK_BITS = 10;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
const NIL = -1;

/** Strings a flow may carry; allocated only for flows that have any. */
export class FlowAppInfo {
  dnsQuery = '';
  sni = '';
  ja3 = '';
  ja3Hash = '';
  ja4 = '';
  httpHost = '';
}

export class FlowStore {
  private readonly vals: Float64Array[] = [];
  private readonly keys: Uint32Array[] = [];
  /** Zeek-style history string per slot. */
  history: string[] = [];
  app: (FlowAppInfo | null)[] = [];
  /** Free slots (stack) and the number of slots ever handed out. */
  private freeList = new Int32Array(64);
  private freeTop = 0;
  private highWater = 0;
  private live = 0;
  // Activity list.
  private prev = new Int32Array(CHUNK);
  private next = new Int32Array(CHUNK);
  private head = NIL;
  private tail = NIL;
  // Hash index: slot + 1 per bucket, 0 = empty; linear probing.
  private index = new Int32Array(1024);
  private mask = 1023;

  get size(): number {
    return this.live;
  }

  /** Bytes held by the slabs, index and lists (for the bytes-per-flow report). */
  get bytesAllocated(): number {
    return (
      this.vals.length * CHUNK * F.Stride * 8 +
      this.keys.length * CHUNK * K.Words * 4 +
      this.index.byteLength +
      this.prev.byteLength * 2 +
      this.freeList.byteLength
    );
  }

  valsOf(slot: number): Float64Array {
    return this.vals[slot >> CHUNK_BITS]!;
  }
  keysOf(slot: number): Uint32Array {
    return this.keys[slot >> CHUNK_BITS]!;
  }
  static valOff(slot: number): number {
    return (slot & CHUNK_MASK) * F.Stride;
  }
  static keyOff(slot: number): number {
    return (slot & CHUNK_MASK) * K.Words;
  }

  /** Finds the slot whose key equals `key` (K.Words words, hash in K.Hash), or -1. */
  find(key: Uint32Array): number {
    const h = key[K.Hash]!;
    const mask = this.mask;
    const index = this.index;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = index[i]!;
      if (e === 0) return NIL;
      const slot = e - 1;
      const ks = this.keys[slot >> CHUNK_BITS]!;
      const o = (slot & CHUNK_MASK) * K.Words;
      if (
        ks[o + K.Hash] === h &&
        ks[o + K.Meta] === key[K.Meta] &&
        ks[o + K.Ports] === key[K.Ports] &&
        ks[o + K.Extra] === key[K.Extra] &&
        ks[o + 1] === key[1] &&
        ks[o + 2] === key[2] &&
        ks[o + 3] === key[3] &&
        ks[o + 4] === key[4] &&
        ks[o + 5] === key[5] &&
        ks[o + 6] === key[6] &&
        ks[o + 7] === key[7] &&
        ks[o + 8] === key[8]
      ) {
        return slot;
      }
    }
  }

  /** Allocates a slot for `key` (which must not be present), zeroes its state and links it as most recent. */
  insert(key: Uint32Array): number {
    let slot: number;
    if (this.freeTop > 0) slot = this.freeList[--this.freeTop]!;
    else {
      slot = this.highWater++;
      if ((slot & CHUNK_MASK) === 0 && slot >> CHUNK_BITS === this.vals.length) {
        this.vals.push(new Float64Array(CHUNK * F.Stride));
        this.keys.push(new Uint32Array(CHUNK * K.Words));
        if (this.prev.length < this.highWater + CHUNK) this.growLists();
      }
    }
    const ks = this.keys[slot >> CHUNK_BITS]!;
    const ko = (slot & CHUNK_MASK) * K.Words;
    for (let i = 0; i < K.Words; i++) ks[ko + i] = key[i]!;
    this.vals[slot >> CHUNK_BITS]!.fill(0, (slot & CHUNK_MASK) * F.Stride, ((slot & CHUNK_MASK) + 1) * F.Stride);
    this.history[slot] = '';
    this.app[slot] = null;
    this.live++;
    if (this.live * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    this.indexPut(slot, key[K.Hash]!);
    this.linkTail(slot);
    return slot;
  }

  /** Removes a slot from the index and the activity list and frees it. */
  remove(slot: number): void {
    this.indexDelete(slot);
    this.unlink(slot);
    this.history[slot] = '';
    this.app[slot] = null;
    if (this.freeTop === this.freeList.length) {
      const f = new Int32Array(this.freeList.length * 2);
      f.set(this.freeList);
      this.freeList = f;
    }
    this.freeList[this.freeTop++] = slot;
    this.live--;
  }

  /** Marks a slot as the most recently active. */
  touch(slot: number): void {
    if (this.tail === slot) return;
    this.unlink(slot);
    this.linkTail(slot);
  }

  /** The least recently active slot, or -1. */
  oldest(): number {
    return this.head;
  }
  /** The slot after `slot` in activity order, or -1. */
  newer(slot: number): number {
    return this.next[slot]!;
  }

  private growLists(): void {
    const n = Math.max(this.prev.length * 2, this.highWater + CHUNK);
    const p = new Int32Array(n);
    const q = new Int32Array(n);
    p.set(this.prev);
    q.set(this.next);
    this.prev = p;
    this.next = q;
  }

  private linkTail(slot: number): void {
    this.prev[slot] = this.tail;
    this.next[slot] = NIL;
    if (this.tail !== NIL) this.next[this.tail] = slot;
    else this.head = slot;
    this.tail = slot;
  }

  private unlink(slot: number): void {
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    if (p !== NIL) this.next[p] = n;
    else this.head = n;
    if (n !== NIL) this.prev[n] = p;
    else this.tail = p;
  }

  private hashOf(slot: number): number {
    return this.keys[slot >> CHUNK_BITS]![(slot & CHUNK_MASK) * K.Words + K.Hash]!;
  }

  private indexPut(slot: number, h: number): void {
    const mask = this.mask;
    let i = h & mask;
    while (this.index[i] !== 0) i = (i + 1) & mask;
    this.index[i] = slot + 1;
  }

  /** Backward-shift deletion keeps linear probing correct without tombstones. */
  private indexDelete(slot: number): void {
    const mask = this.mask;
    const index = this.index;
    let i = this.hashOf(slot) & mask;
    while (index[i] !== slot + 1) {
      if (index[i] === 0) return;
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const e = index[j]!;
      if (e === 0) break;
      const home = this.hashOf(e - 1) & mask;
      // Move e into the hole at i unless its home lies cyclically in (i, j].
      if (((j - home) & mask) >= ((j - i) & mask)) {
        index[i] = e;
        i = j;
      }
    }
    index[i] = 0;
  }

  private rehash(size: number): void {
    const old = this.index;
    this.index = new Int32Array(size);
    this.mask = size - 1;
    for (let i = 0; i < old.length; i++) {
      const e = old[i]!;
      if (e !== 0) this.indexPut(e - 1, this.hashOf(e - 1));
    }
  }
}
