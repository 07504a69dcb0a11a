/**
 * Key → stream-id indexes for AfterImage tables. The stream tables hand out
 * integer ids (slots in their typed arrays); an index remembers which key owns
 * which id, and forgets it when the table prunes the stream.
 *
 * Two kinds: `WordKeyIndex` keys are fixed-width tuples of uint32 words hashed
 * in place (the live packet path builds no strings), `StringKeyIndex` keys are
 * strings (the reference's tshark-text path, where Kitsune-py's string
 * concatenation semantics must be kept exactly).
 */

/** What a stream table needs from its key index. */
export interface KeyIndex {
  /** The table freed `id`: forget its key. */
  release(id: number): void;
}

/** Open-addressing (linear probing, backward-shift deletion) map from a uint32 tuple to an id. */
export class WordKeyIndex implements KeyIndex {
  /** Scratch key the caller fills before `find`/`add`. */
  readonly key: Uint32Array;
  private slotsMask: number;
  /** Per slot: id + 1 (0 = empty). */
  private slotIds: Int32Array;
  private slotHash: Int32Array;
  /** Per id: its words and its slot. */
  private idWords: Uint32Array;
  private idSlot: Int32Array;
  private count = 0;
  /**
   * The two ids found or added last (-1: none), checked before hashing: a
   * frame's keys mostly repeat the previous frames' (the two directions of a
   * conversation alternate), and comparing words is cheaper than hashing them.
   */
  private recent0 = -1;
  private recent1 = -1;

  constructor(
    readonly width: number,
    idCapacity: number,
  ) {
    this.key = new Uint32Array(width);
    let size = 16;
    while (size < idCapacity * 2) size *= 2;
    this.slotsMask = size - 1;
    this.slotIds = new Int32Array(size);
    this.slotHash = new Int32Array(size);
    this.idWords = new Uint32Array(idCapacity * width);
    this.idSlot = new Int32Array(idCapacity).fill(-1);
  }

  get size(): number {
    return this.count;
  }

  private hashKey(): number {
    const k = this.key;
    let h = 0x9e3779b1 ^ this.width;
    for (let i = 0; i < k.length; i++) {
      h = Math.imul(h ^ k[i]!, 0x85ebca6b);
      h ^= h >>> 13;
    }
    h = Math.imul(h, 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  private equalsId(id: number): boolean {
    const k = this.key;
    const base = id * this.width;
    const w = this.idWords;
    for (let i = 0; i < k.length; i++) if (w[base + i] !== k[i]) return false;
    return true;
  }

  /** Id of the key in `this.key`, or -1. */
  find(): number {
    const r0 = this.recent0;
    if (r0 >= 0 && this.equalsId(r0)) return r0;
    const r1 = this.recent1;
    if (r1 >= 0 && this.equalsId(r1)) {
      this.recent1 = r0;
      this.recent0 = r1;
      return r1;
    }
    const h = this.hashKey();
    let s = h & this.slotsMask;
    for (;;) {
      const e = this.slotIds[s]!;
      if (e === 0) return -1;
      if (this.slotHash[s] === h && this.equalsId(e - 1)) {
        this.recent1 = r0;
        this.recent0 = e - 1;
        return e - 1;
      }
      s = (s + 1) & this.slotsMask;
    }
  }

  /** Records `this.key` → id (the key must not be present; id < capacity given at construction, growing otherwise). */
  add(id: number): void {
    if (id >= this.idSlot.length) this.growIds(id + 1);
    if ((this.count + 1) * 2 > this.slotsMask + 1) this.rehash((this.slotsMask + 1) * 2);
    const h = this.hashKey();
    let s = h & this.slotsMask;
    while (this.slotIds[s] !== 0) s = (s + 1) & this.slotsMask;
    this.slotIds[s] = id + 1;
    this.slotHash[s] = h;
    this.idWords.set(this.key, id * this.width);
    this.idSlot[id] = s;
    this.count++;
    this.recent1 = this.recent0;
    this.recent0 = id;
  }

  /** The words of the key that owns id (a view; valid until the next add). */
  wordsOf(id: number): Uint32Array {
    return this.idWords.subarray(id * this.width, (id + 1) * this.width);
  }

  /** Forgets every key (ids may then be reused from 0). */
  clear(): void {
    if (this.count === 0) return;
    this.slotIds.fill(0);
    this.idSlot.fill(-1);
    this.count = 0;
    this.recent0 = this.recent1 = -1;
  }

  release(id: number): void {
    let s = this.idSlot[id]!;
    if (s < 0) return;
    this.idSlot[id] = -1;
    this.count--;
    if (this.recent0 === id) this.recent0 = -1;
    if (this.recent1 === id) this.recent1 = -1;
    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    const mask = this.slotsMask;
    let j = s;
    for (;;) {
      j = (j + 1) & mask;
      const e = this.slotIds[j]!;
      if (e === 0) break;
      const home = this.slotHash[j]! & mask;
      const between = s <= j ? s < home && home <= j : s < home || home <= j;
      if (between) continue;
      this.slotIds[s] = e;
      this.slotHash[s] = this.slotHash[j]!;
      this.idSlot[e - 1] = s;
      s = j;
    }
    this.slotIds[s] = 0;
  }

  private growIds(min: number): void {
    let n = this.idSlot.length * 2;
    while (n < min) n *= 2;
    const words = new Uint32Array(n * this.width);
    words.set(this.idWords);
    this.idWords = words;
    const slots = new Int32Array(n).fill(-1);
    slots.set(this.idSlot);
    this.idSlot = slots;
  }

  private rehash(size: number): void {
    const oldIds = this.slotIds;
    const oldHash = this.slotHash;
    this.slotsMask = size - 1;
    this.slotIds = new Int32Array(size);
    this.slotHash = new Int32Array(size);
    for (let i = 0; i < oldIds.length; i++) {
      const e = oldIds[i]!;
      if (e === 0) continue;
      let s = oldHash[i]! & this.slotsMask;
      while (this.slotIds[s] !== 0) s = (s + 1) & this.slotsMask;
      this.slotIds[s] = e;
      this.slotHash[s] = oldHash[i]!;
      this.idSlot[e - 1] = s;
    }
  }
}

/** String keys (exact Kitsune-py semantics: keys are plain concatenations). */
export class StringKeyIndex implements KeyIndex {
  private readonly ids = new Map<string, number>();
  private keys: (string | undefined)[] = [];

  get size(): number {
    return this.ids.size;
  }

  find(key: string): number {
    return this.ids.get(key) ?? -1;
  }

  add(key: string, id: number): void {
    this.ids.set(key, id);
    this.keys[id] = key;
  }

  release(id: number): void {
    const k = this.keys[id];
    if (k === undefined) return;
    this.ids.delete(k);
    this.keys[id] = undefined;
  }
}
