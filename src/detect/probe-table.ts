/**
 * Connection attempts awaiting an answer, keyed by 5-tuple, in preallocated
 * typed arrays: the scan detector looks up every TCP/UDP packet here (the
 * reverse tuple to match answers, the forward tuple to record probes), so the
 * table allocates nothing per packet and its size is fixed. Each key hashes
 * to a bucket of WAYS ways; when all are taken the oldest entry is evicted
 * and counted.
 *
 * Layout, for few cache misses per packet (the table is megabytes, probed at
 * random): a bucket's ways (tag + record number each) fill one 64-byte cache
 * line, so a miss reads that line only; an entry's fields sit together in one
 * 64-byte record, and records come from a free list (last freed, first
 * reused), so live entries stay packed in a small, cache-warm part of the
 * record array instead of spread over all of it. A "slot" below is a record
 * number.
 */

export const Slot = { Empty: 0, Pending: 1, Answered: 2 } as const;

const WAYS = 8;
/** log2(WAYS): a bucket's first way >> WAY_BITS is its number. */
const WAY_BITS = 3;

/** Entries of the flow → slot hint cache (direct-mapped by flow id; a power of two). */
const HINTS = 8192;

/** Words per record (64 bytes). */
const REC = 16;
const R_SRC = 0;
const R_DST = 4;
/** sport << 16 | dport. */
const R_PORTS = 8;
const R_PROTO = 9;
const R_STATE = 10;
const R_KIND = 11;
const R_GEN = 12;
/** The bucket way that points at the record (cleared when the record is freed). */
const R_WAY = 13;
/** Index of the packet time in a record's Float64 view (words 14-15). */
const R_TS64 = 7;

/** Decides, for a slot whose queued time passed the sweep cut-off, whether it stays (re-queued at `now`). */
export interface SlotVisitor {
  visitSlot(slot: number, now: number): boolean;
}

export class ProbeTable {
  readonly cap: number;
  private readonly mask: number;
  /** Per way, two words: the key's non-zero fingerprint (0: way empty) and the record number. */
  private readonly ways: Uint32Array;
  /**
   * Per bucket, bit (tag >>> 29) set for the tag of every key it holds (and
   * possibly for keys it held), and how many ways it uses. Most look-ups are
   * misses (a new connection's first packets, an answer to nothing); one
   * whose bit is clear returns without reading the bucket, and a key going
   * into an empty bucket takes its first way without reading it: 2 bytes per
   * 64-byte bucket, so these stay in cache while the ways (half a megabyte,
   * read at random) mostly do not.
   */
  private readonly tagBits: Uint8Array;
  private readonly bucketUsed: Uint8Array;
  /**
   * Per record, 16 words: source and destination addresses (four words each,
   * IPv4 as ::ffff:a.b.c.d), ports, protocol, state, kind, insert generation,
   * its way and, in words 14-15, the packet time (seconds, fractional) of the
   * probe or of the last packet of an answered pair.
   */
  readonly rec: Uint32Array;
  private readonly rec64: Float64Array;
  /** Stack of free record numbers. */
  private readonly freeList: Int32Array;
  private freeTop: number;
  evicted = 0;
  used = 0;
  /** Entries in insertion order, so expiry visits only due entries, never the whole table. */
  private readonly due: SlotQueue;
  /** Entries a caller parked (see `park`), visited again once idle for the caller's idle time. */
  private readonly parked: SlotQueue;
  /** Tag of the key hashed last (set by `hash`). */
  private hTag = 0;
  /**
   * The slot a flow's tuple had at its last look-up, by flow id: the packets
   * of a connection mostly find their entry there, one check of the record
   * (`holds`) instead of hashing and reading the bucket (a cache miss in a
   * table of megabytes). Only a guess: callers verify it with `holds`.
   */
  private readonly hintFlow = new Float64Array(HINTS);
  private readonly hintSlot = new Int32Array(HINTS);

  constructor(maxEntries: number) {
    let cap = WAYS;
    while (cap < maxEntries) cap *= 2;
    this.cap = cap;
    this.mask = cap - 1;
    this.ways = new Uint32Array(cap * 2);
    this.tagBits = new Uint8Array(cap / WAYS);
    this.bucketUsed = new Uint8Array(cap / WAYS);
    const buf = new ArrayBuffer(cap * REC * 4);
    this.rec = new Uint32Array(buf);
    this.rec64 = new Float64Array(buf);
    this.freeList = new Int32Array(cap);
    for (let k = 0; k < cap; k++) this.freeList[k] = cap - 1 - k;
    this.freeTop = cap;
    this.due = new SlotQueue(cap * 2);
    this.parked = new SlotQueue(cap);
  }

  stateAt(i: number): number {
    return this.rec[i * REC + R_STATE]!;
  }

  setState(i: number, s: number): void {
    this.rec[i * REC + R_STATE] = s;
  }

  kindAt(i: number): number {
    return this.rec[i * REC + R_KIND]!;
  }

  protoAt(i: number): number {
    return this.rec[i * REC + R_PROTO]!;
  }

  dportAt(i: number): number {
    return this.rec[i * REC + R_PORTS]! & 0xffff;
  }

  tsAt(i: number): number {
    return this.rec64[i * (REC / 2) + R_TS64]!;
  }

  setTs(i: number, t: number): void {
    this.rec64[i * (REC / 2) + R_TS64] = t;
  }

  /** Offset in `rec` of the slot's four source address words. */
  srcAt(i: number): number {
    return i * REC + R_SRC;
  }

  /** Offset in `rec` of the slot's four destination address words. */
  dstAt(i: number): number {
    return i * REC + R_DST;
  }

  /**
   * Visits entries queued before `cutoff` (oldest first). The visitor frees
   * the slot or returns true to keep it, which re-queues it at `now`.
   */
  sweep(cutoff: number, now: number, v: SlotVisitor): void {
    const q = this.due;
    while (q.len > 0 && q.headTs() < cutoff) {
      const slot = q.headSlot();
      const g = q.headGen();
      q.pop();
      const o = slot * REC;
      if (this.rec[o + R_STATE] === Slot.Empty || this.rec[o + R_GEN] !== g) continue;
      if (v.visitSlot(slot, now)) q.push(slot, g, now);
    }
  }

  /**
   * Parks a live entry that no longer needs `sweep` (it waits for no time-out)
   * until `freeIdle` finds it idle: without this an idle entry would stay in
   * the table until its tuple came again, and a table full of stale entries
   * makes every look-up and insert read more (cold) memory.
   */
  park(slot: number, now: number): void {
    this.parked.push(slot, this.rec[slot * REC + R_GEN]!, now);
  }

  /**
   * Frees parked entries whose last packet (`tsAt`) is at least `idle` seconds
   * before `now`; parked entries still in use are parked again at `now`.
   */
  freeIdle(now: number, idle: number): void {
    const q = this.parked;
    const cutoff = now - idle;
    while (q.len > 0 && q.headTs() <= cutoff) {
      const slot = q.headSlot();
      const g = q.headGen();
      q.pop();
      const o = slot * REC;
      if (this.rec[o + R_STATE] === Slot.Empty || this.rec[o + R_GEN] !== g) continue;
      if (this.tsAt(slot) <= cutoff) this.free(slot);
      else q.push(slot, g, now);
    }
  }

  /** First way of the key's bucket; leaves the key's tag in `hTag`. */
  private hash(s: Uint32Array, d: Uint32Array, sp: number, dp: number, proto: number): number {
    let h = 0x811c9dc5 ^ proto;
    for (let i = 0; i < 4; i++) {
      h = Math.imul(h ^ s[i]!, 0x01000193);
      h = Math.imul(h ^ d[i]!, 0x01000193);
    }
    h = Math.imul(h ^ ((sp << 16) | dp), 0x01000193);
    h ^= h >>> 15;
    // The tag mixes in the bits the bucket index leaves out; | 1 keeps it non-zero (0 marks an empty way).
    this.hTag = (Math.imul(h, 0x9e3779b1) | 1) >>> 0;
    return (h >>> 0) & this.mask & ~(WAYS - 1);
  }

  private matches(i: number, s: Uint32Array, d: Uint32Array, sp: number, dp: number, proto: number): boolean {
    const r = this.rec;
    const o = i * REC;
    return (
      r[o + R_PORTS] === (((sp << 16) | dp) >>> 0) &&
      r[o + R_PROTO] === proto &&
      r[o + R_SRC] === s[0] &&
      r[o + R_SRC + 1] === s[1] &&
      r[o + R_SRC + 2] === s[2] &&
      r[o + R_SRC + 3] === s[3] &&
      r[o + R_DST] === d[0] &&
      r[o + R_DST + 1] === d[1] &&
      r[o + R_DST + 2] === d[2] &&
      r[o + R_DST + 3] === d[3]
    );
  }

  /**
   * Whether slot `i` is live and holds exactly this tuple: checks a slot
   * remembered from an earlier look-up (it may have been freed or reused
   * since) without hashing or reading the bucket.
   */
  holds(i: number, s: Uint32Array, d: Uint32Array, sp: number, dp: number, proto: number): boolean {
    return this.rec[i * REC + R_STATE] !== Slot.Empty && this.matches(i, s, d, sp, dp, proto);
  }

  /** The slot hinted for flow `flowId` (verify with `holds`), or -1 (always for 0: no flow). */
  hintOf(flowId: number): number {
    const k = flowId & (HINTS - 1);
    return flowId !== 0 && this.hintFlow[k] === flowId ? this.hintSlot[k]! : -1;
  }

  /** Notes slot `i` (when >= 0) as the hint of flow `flowId` (0: no flow); returns `i`. */
  hint(flowId: number, i: number): number {
    if (flowId !== 0 && i >= 0) {
      const k = flowId & (HINTS - 1);
      this.hintFlow[k] = flowId;
      this.hintSlot[k] = i;
    }
    return i;
  }

  /** As `find`, trying the slot hinted for flow `flowId` (0: none) first and hinting what it finds. */
  findHinted(flowId: number, s: Uint32Array, d: Uint32Array, sp: number, dp: number, proto: number): number {
    const h = this.hintOf(flowId);
    if (h >= 0 && this.holds(h, s, d, sp, dp, proto)) return h;
    return this.hint(flowId, this.find(s, d, sp, dp, proto));
  }

  /** Slot index of the tuple, or -1. */
  find(s: Uint32Array, d: Uint32Array, sp: number, dp: number, proto: number): number {
    const base = this.hash(s, d, sp, dp, proto);
    const tag = this.hTag;
    if ((this.tagBits[base >>> WAY_BITS]! & (1 << (tag >>> 29))) === 0) return -1;
    const w = this.ways;
    for (let i = base; i < base + WAYS; i++) {
      if (w[2 * i] === tag) {
        const slot = w[2 * i + 1]!;
        if (this.matches(slot, s, d, sp, dp, proto)) return slot;
      }
    }
    return -1;
  }

  /**
   * Claims a slot for a new tuple (the caller checked it is absent). When the
   * bucket is full the oldest entry is overwritten; its index is returned in
   * `lastEvictedState` so the caller can account for a lost pending probe.
   * An answered entry last seen before `reclaimAnsweredBefore` is expired,
   * not live: its slot is reused without counting an eviction.
   */
  insert(s: Uint32Array, d: Uint32Array, sp: number, dp: number, proto: number, state: number, kind: number, ts: number, reclaimAnsweredBefore = -Infinity): number {
    const base = this.hash(s, d, sp, dp, proto);
    const bucket = base >>> WAY_BITS;
    const w = this.ways;
    // The first empty way (all are when the bucket is unused), and the tag bits of the used ones.
    let way = -1;
    let bits = 0;
    if (this.bucketUsed[bucket] === 0) way = base;
    else {
      for (let i = base; i < base + WAYS; i++) {
        const t = w[2 * i]!;
        if (t !== 0) bits |= 1 << (t >>> 29);
        else if (way < 0) way = i;
      }
    }
    this.lastEvictedState = Slot.Empty;
    let slot: number;
    if (way >= 0) {
      slot = this.freeList[--this.freeTop]!;
      this.used++;
      this.bucketUsed[bucket]++;
    } else {
      // Bucket full: reuse the first expired answered entry, else evict the oldest (first on ties).
      let oldest = base;
      let oldestTs = this.tsAt(w[2 * base + 1]!);
      let reclaim = -1;
      for (let i = base; i < base + WAYS; i++) {
        const e = w[2 * i + 1]!;
        const t = this.tsAt(e);
        if (reclaim < 0 && this.stateAt(e) === Slot.Answered && t < reclaimAnsweredBefore) reclaim = i;
        if (t < oldestTs) {
          oldest = i;
          oldestTs = t;
        }
      }
      // Still counted in `used`: the replaced entry's record is taken over.
      way = reclaim >= 0 ? reclaim : oldest;
      slot = w[2 * way + 1]!;
      if (reclaim < 0) {
        this.lastEvictedState = this.stateAt(slot);
        this.evicted++;
      }
      // The bits of the other seven keys (the replaced one's tag leaves).
      bits = 0;
      for (let i = base; i < base + WAYS; i++) if (i !== way) bits |= 1 << (w[2 * i]! >>> 29);
    }
    w[2 * way] = this.hTag;
    w[2 * way + 1] = slot;
    this.tagBits[bucket] = bits | (1 << (this.hTag >>> 29));
    const r = this.rec;
    const o = slot * REC;
    for (let k = 0; k < 4; k++) {
      r[o + R_SRC + k] = s[k]!;
      r[o + R_DST + k] = d[k]!;
    }
    r[o + R_PORTS] = (sp << 16) | dp;
    r[o + R_PROTO] = proto;
    r[o + R_STATE] = state;
    r[o + R_KIND] = kind;
    r[o + R_GEN] = (r[o + R_GEN]! + 1) >>> 0;
    r[o + R_WAY] = way;
    this.setTs(slot, ts);
    this.due.push(slot, r[o + R_GEN]!, ts);
    return slot;
  }

  lastEvictedState: number = Slot.Empty;

  free(i: number): void {
    const o = i * REC;
    if (this.rec[o + R_STATE] === Slot.Empty) return;
    this.used--;
    this.rec[o + R_STATE] = Slot.Empty;
    const way = this.rec[o + R_WAY]!;
    this.ways[2 * way] = 0;
    this.freeList[this.freeTop++] = i;
    // The freed key's bit stays set while others remain (a superset; the next insert into the bucket recomputes it).
    const bucket = way >>> WAY_BITS;
    if (--this.bucketUsed[bucket]! === 0) this.tagBits[bucket] = 0;
  }
}

/**
 * A ring of (slot, generation, time) in time order. When full (only after
 * many evictions) the oldest item is dropped: its slot is reclaimed by
 * eviction or a later look-up instead.
 */
class SlotQueue {
  private readonly slots: Int32Array;
  private readonly gens: Uint32Array;
  private readonly times: Float64Array;
  private readonly mask: number;
  private head = 0;
  len = 0;

  /** `size`: a power of two. */
  constructor(size: number) {
    this.slots = new Int32Array(size);
    this.gens = new Uint32Array(size);
    this.times = new Float64Array(size);
    this.mask = size - 1;
  }

  headSlot(): number {
    return this.slots[this.head]!;
  }

  headGen(): number {
    return this.gens[this.head]!;
  }

  headTs(): number {
    return this.times[this.head]!;
  }

  pop(): void {
    this.head = (this.head + 1) & this.mask;
    this.len--;
  }

  push(slot: number, gen: number, t: number): void {
    if (this.len === this.slots.length) this.pop();
    const i = (this.head + this.len) & this.mask;
    this.slots[i] = slot;
    this.gens[i] = gen;
    this.times[i] = t;
    this.len++;
  }
}
