/**
 * Connection attempts awaiting an answer, keyed by 5-tuple, in preallocated
 * typed arrays: the scan detector looks up every TCP/UDP packet here (the
 * reverse tuple to match answers, the forward tuple to record probes), so the
 * table allocates nothing per packet and its size is fixed. Each key hashes
 * to a bucket of WAYS slots; when all are taken the oldest is evicted and
 * counted.
 */

export const Slot = { Empty: 0, Pending: 1, Answered: 2 } as const;

const WAYS = 8;

/** Decides, for a slot whose queued time passed the sweep cut-off, whether it stays (re-queued at `now`). */
export interface SlotVisitor {
  visitSlot(slot: number, now: number): boolean;
}

export class ProbeTable {
  readonly cap: number;
  private readonly mask: number;
  readonly state: Uint8Array;
  readonly kind: Uint8Array;
  readonly proto: Uint8Array;
  readonly sport: Uint16Array;
  readonly dport: Uint16Array;
  /** Source and destination addresses, four words each (IPv4 as ::ffff:a.b.c.d). */
  readonly src: Uint32Array;
  readonly dst: Uint32Array;
  /** Packet time (seconds, fractional) of the probe or of the last packet of an answered pair. */
  readonly ts: Float64Array;
  evicted = 0;
  used = 0;
  /** Insert generation per slot: a queued record whose generation no longer matches is stale. */
  private readonly gen: Uint32Array;
  // Time-ordered ring of (slot, generation, time) so expiry visits only due entries, never the whole table.
  private readonly ringSlot: Int32Array;
  private readonly ringGen: Uint32Array;
  private readonly ringTs: Float64Array;
  private ringHead = 0;
  private ringLen = 0;

  constructor(maxEntries: number) {
    let cap = WAYS;
    while (cap < maxEntries) cap *= 2;
    this.cap = cap;
    this.mask = cap - 1;
    this.state = new Uint8Array(cap);
    this.kind = new Uint8Array(cap);
    this.proto = new Uint8Array(cap);
    this.sport = new Uint16Array(cap);
    this.dport = new Uint16Array(cap);
    this.src = new Uint32Array(cap * 4);
    this.dst = new Uint32Array(cap * 4);
    this.ts = new Float64Array(cap);
    this.gen = new Uint32Array(cap);
    this.ringSlot = new Int32Array(cap * 2);
    this.ringGen = new Uint32Array(cap * 2);
    this.ringTs = new Float64Array(cap * 2);
  }

  private enqueue(slot: number, t: number): void {
    const n = this.ringSlot.length;
    if (this.ringLen === n) {
      // Full (only after many evictions): the oldest record is dropped; its slot is reclaimed by eviction later.
      this.ringHead = (this.ringHead + 1) % n;
      this.ringLen--;
    }
    const i = (this.ringHead + this.ringLen) % n;
    this.ringSlot[i] = slot;
    this.ringGen[i] = this.gen[slot]!;
    this.ringTs[i] = t;
    this.ringLen++;
  }

  /**
   * Visits entries queued before `cutoff` (oldest first). The visitor frees
   * the slot or returns true to keep it, which re-queues it at `now`.
   */
  sweep(cutoff: number, now: number, v: SlotVisitor): void {
    const n = this.ringSlot.length;
    while (this.ringLen > 0) {
      const h = this.ringHead;
      if (this.ringTs[h]! >= cutoff) return;
      const slot = this.ringSlot[h]!;
      const g = this.ringGen[h]!;
      this.ringHead = (h + 1) % n;
      this.ringLen--;
      if (this.state[slot] === Slot.Empty || this.gen[slot] !== g) continue;
      if (v.visitSlot(slot, now)) this.enqueue(slot, now);
    }
  }

  private hash(s: Uint32Array, d: Uint32Array, sp: number, dp: number, proto: number): number {
    let h = 0x811c9dc5 ^ proto;
    for (let i = 0; i < 4; i++) {
      h = Math.imul(h ^ s[i]!, 0x01000193);
      h = Math.imul(h ^ d[i]!, 0x01000193);
    }
    h = Math.imul(h ^ ((sp << 16) | dp), 0x01000193);
    h ^= h >>> 15;
    return (h >>> 0) & this.mask & ~(WAYS - 1);
  }

  private matches(i: number, s: Uint32Array, d: Uint32Array, sp: number, dp: number, proto: number): boolean {
    if (this.sport[i] !== sp || this.dport[i] !== dp || this.proto[i] !== proto) return false;
    const o = i * 4;
    const a = this.src;
    const b = this.dst;
    return a[o] === s[0] && a[o + 1] === s[1] && a[o + 2] === s[2] && a[o + 3] === s[3] && b[o] === d[0] && b[o + 1] === d[1] && b[o + 2] === d[2] && b[o + 3] === d[3];
  }

  /** Slot index of the tuple, or -1. */
  find(s: Uint32Array, d: Uint32Array, sp: number, dp: number, proto: number): number {
    const base = this.hash(s, d, sp, dp, proto);
    for (let i = base; i < base + WAYS; i++) {
      if (this.state[i] !== Slot.Empty && this.matches(i, s, d, sp, dp, proto)) return i;
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
    let slot = -1;
    let oldest = base;
    let reclaim = -1;
    for (let i = base; i < base + WAYS; i++) {
      const st = this.state[i];
      if (st === Slot.Empty) {
        slot = i;
        break;
      }
      if (reclaim < 0 && st === Slot.Answered && this.ts[i]! < reclaimAnsweredBefore) reclaim = i;
      if (this.ts[i]! < this.ts[oldest]!) oldest = i;
    }
    this.lastEvictedState = Slot.Empty;
    if (slot < 0 && reclaim >= 0) {
      // Still counted in `used`: the expired entry's place is taken over.
      slot = reclaim;
      this.used--;
    }
    if (slot < 0) {
      slot = oldest;
      this.lastEvictedState = this.state[slot]!;
      this.evicted++;
    } else this.used++;
    const o = slot * 4;
    for (let k = 0; k < 4; k++) {
      this.src[o + k] = s[k]!;
      this.dst[o + k] = d[k]!;
    }
    this.sport[slot] = sp;
    this.dport[slot] = dp;
    this.proto[slot] = proto;
    this.state[slot] = state;
    this.kind[slot] = kind;
    this.ts[slot] = ts;
    this.gen[slot] = (this.gen[slot]! + 1) >>> 0;
    this.enqueue(slot, ts);
    return slot;
  }

  lastEvictedState: number = Slot.Empty;

  free(i: number): void {
    if (this.state[i] !== Slot.Empty) this.used--;
    this.state[i] = Slot.Empty;
  }
}
