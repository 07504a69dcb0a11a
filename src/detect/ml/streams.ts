/**
 * AfterImage state: damped incremental statistics (Kitsune, Mirsky et al.
 * NDSS 2018) for every stream and every decay factor λ, in struct-of-arrays
 * typed arrays indexed by `id * L + λ index`. Streams of one group are linked
 * pairwise (the two directions of a channel / socket) for the 2-D statistics.
 *
 * The arithmetic follows Kitsune-py's AfterImage.py step for step (see
 * ../shared/datasets/kitsune/README.md): every decay call of the reference is
 * replicated, because decaying in two steps is not bit-identical to one.
 *
 * Kitsune-py keeps a last-update time per (stream, λ), but every insert and
 * every decay touches all λ of a stream or link at the same time t, so those
 * times are always equal: one time per stream and per link is kept here, and
 * Δt is computed once for all five λ.
 */
import type { KeyIndex } from './keys.js';

export const LAMBDAS: readonly number[] = [5, 3, 1, 0.1, 0.01];
/** Number of decay factors. */
export const L = 5;
const LAM = Float64Array.from(LAMBDAS);
/** Index of the slowest λ (the pruning weight's fallback when pruneLambda is not one of LAMBDAS). */
const SLOW = L - 1;

/**
 * Memo of the two most recent Δt and where their decay factors 2^(−λ·Δt), all
 * five λ, sit in CACHE_F (below). The factors are a pure
 * function of Δt, and one frame decays many streams and links by the same Δt
 * (all those last touched by the same earlier frame), so most Math.pow calls of
 * the reference are repeats; reusing the values is bit-identical. Shared by
 * every group. The hit test is written out at each use so that no double
 * crosses a call boundary on a hit: V8 boxes doubles passed to or returned
 * from calls it does not inline, which would allocate a heap number per decay.
 * The factors must be read before the next look-up, which may replace them.
 */
const MEMO_D = new Float64Array(2).fill(NaN);
/** CACHE_F offset of each memo entry's factors (a replaced cache slot clears its memo entry). */
const MEMO_O = new Int32Array(2);
/** The Δt of a memo miss, handed over in memory: memoMiss is not inlined, and a double argument would be boxed. */
const MISS_D = new Float64Array(1);
/** MISS_D's two 32-bit halves (the hash of Δt). */
const MISS_BITS = new Uint32Array(MISS_D.buffer);

/**
 * Behind the two-entry memo, a direct-mapped cache of factors by Δt. Capture
 * timestamps are quantised (microseconds on an epoch-sized double), so Δt
 * takes few distinct values: on lab-mixed the memo misses 147k times over 21k
 * distinct Δt, and each miss cost five Math.pow calls. Also bit-identical.
 */
const CACHE_BITS = 12;
const CACHE_D = new Float64Array(1 << CACHE_BITS).fill(NaN);
const CACHE_F = new Float64Array((1 << CACHE_BITS) * L);

/** Memo miss for Δt = MISS_D[0]: the newer entry moves to the older slot and Δt's cache slot becomes the newer; returns its offset. */
function memoMiss(): number {
  const d = MISS_D[0]!;
  let h = Math.imul(MISS_BITS[0]!, 0x85ebca6b) ^ MISS_BITS[1]!;
  h = Math.imul(h ^ (h >>> 15), 0x9e3779b1) >>> (32 - CACHE_BITS);
  const c = h * L;
  if (CACHE_D[h] !== d) {
    for (let i = 0; i < L; i++) CACHE_F[c + i] = Math.pow(2, -LAM[i]! * d);
    CACHE_D[h] = d;
    if (MEMO_O[0] === c) MEMO_D[0] = NaN;
    if (MEMO_O[1] === c) MEMO_D[1] = NaN;
  }
  MEMO_D[1] = MEMO_D[0]!;
  MEMO_O[1] = MEMO_O[0]!;
  MEMO_D[0] = d;
  MEMO_O[0] = c;
  return c;
}

/** Offset in CACHE_F of the five decay factors for Δt = d (computed on a miss). */
function memoOffset(d: number): number {
  if (MEMO_D[0] === d) return MEMO_O[0]!;
  if (MEMO_D[1] === d) return MEMO_O[1]!;
  MISS_D[0] = d;
  return memoMiss();
}

/** How tables are bounded. `exact` prunes nothing (the reference's behaviour). */
export interface BoundsOptions {
  exact: boolean;
  /** Bounded mode: most streams per group table. */
  maxStreams: number;
  /** Bounded mode: most links per stream (the oldest-updated link is dropped beyond it). */
  maxLinksPerStream: number;
  /** Bounded mode: most links per group. */
  maxLinks: number;
  /** Bounded mode: a stream or link whose weight at λ = pruneLambda, decayed to now, falls below this is pruned. */
  pruneWeight: number;
  /** Bounded mode: the decay factor whose weight decides pruning (one of LAMBDAS). */
  pruneLambda: number;
  /** Bounded mode: seconds of packet time between prune sweeps. */
  sweepInterval: number;
}

export const DEFAULT_BOUNDS: BoundsOptions = {
  exact: false,
  maxStreams: 200_000,
  maxLinksPerStream: 16,
  maxLinks: 400_000,
  // A link or stream updated once is pruned about 2.2 s after its last packet (2^(-3·2.2) < 0.01).
  pruneWeight: 0.01,
  pruneLambda: 3,
  sweepInterval: 5,
};

export const EXACT_BOUNDS: BoundsOptions = { ...DEFAULT_BOUNDS, exact: true };

function growF64(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
function growI32(a: Int32Array, n: number, fill = 0): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  if (fill !== 0) b.fill(fill);
  b.set(a);
  return b;
}

/**
 * One group's streams (MI, H, HH, jitter or HpHp) plus, for 2-D groups, the
 * links between them.
 */
export class StreamGroup {
  // ---- streams -------------------------------------------------------------
  private cap = 0;
  cf1 = new Float64Array(0);
  cf2 = new Float64Array(0);
  w = new Float64Array(0);
  /** Last update time per stream (the same for every λ; see the file comment). */
  last = new Float64Array(0);
  /** Snapshots taken right after the stream's own last insert (Kitsune-py's cached mean/var). */
  mean = new Float64Array(0);
  vari = new Float64Array(0);
  private inUse = new Uint8Array(0);
  private freeIds = new Int32Array(0);
  private freeTop = 0;
  private nextId = 0;
  private live = 0;
  /** Links of each stream in creation order (a self-link appears twice, as in the reference). */
  private linkLists: Int32Array[] = [];
  private linkCount = new Int32Array(0);

  // ---- links ---------------------------------------------------------------
  private lcap = 0;
  private la = new Int32Array(0);
  private lb = new Int32Array(0);
  cf3 = new Float64Array(0);
  w3 = new Float64Array(0);
  /** Last update time per link. */
  last3 = new Float64Array(0);
  res0 = new Float64Array(0);
  res1 = new Float64Array(0);
  private linkFree = new Int32Array(0);
  private linkFreeTop = 0;
  private linkNext = 0;
  private linksLive = 0;

  /** The key index to tell when a stream is pruned. */
  index: KeyIndex | null = null;
  private lastSweep = -Infinity;
  private scratch = new Float64Array(0);
  /** Counters for reports. */
  pruned = 0;
  evicted = 0;
  linksDropped = 0;

  constructor(
    readonly name: string,
    readonly jitter: boolean,
    readonly bounds: BoundsOptions,
  ) {
    this.growStreams(1024);
    this.growLinks(1024);
  }

  get streams(): number {
    return this.live;
  }
  get links(): number {
    return this.linksLive;
  }

  private growStreams(n: number): void {
    const nl = n * L;
    this.cf1 = growF64(this.cf1, nl);
    this.cf2 = growF64(this.cf2, nl);
    this.w = growF64(this.w, nl);
    this.last = growF64(this.last, n);
    this.mean = growF64(this.mean, nl);
    this.vari = growF64(this.vari, nl);
    const u = new Uint8Array(n);
    u.set(this.inUse);
    this.inUse = u;
    this.freeIds = growI32(this.freeIds, n);
    this.linkCount = growI32(this.linkCount, n);
    for (let i = this.cap; i < n; i++) this.linkLists.push(new Int32Array(0));
    this.cap = n;
  }

  private growLinks(n: number): void {
    const nl = n * L;
    this.la = growI32(this.la, n);
    this.lb = growI32(this.lb, n);
    this.cf3 = growF64(this.cf3, nl);
    this.w3 = growF64(this.w3, nl);
    this.last3 = growF64(this.last3, n);
    this.res0 = growF64(this.res0, nl);
    this.res1 = growF64(this.res1, nl);
    this.linkFree = growI32(this.linkFree, n);
    this.lcap = n;
  }

  /** Creates a stream at time t (Kitsune-py: CF1 = CF2 = 0, w = 1e-20, last = t) and returns its id. */
  create(t: number): number {
    let id: number;
    if (this.freeTop > 0) id = this.freeIds[--this.freeTop]!;
    else {
      if (this.nextId === this.cap) this.growStreams(this.cap * 2);
      id = this.nextId++;
    }
    const base = id * L;
    for (let i = 0; i < L; i++) {
      this.cf1[base + i] = 0;
      this.cf2[base + i] = 0;
      this.w[base + i] = 1e-20;
      this.mean[base + i] = 0;
      this.vari[base + i] = 0;
    }
    this.last[id] = t;
    this.inUse[id] = 1;
    this.linkCount[id] = 0;
    this.live++;
    return id;
  }

  /**
   * Time of the current frame (set by setTime) and value of the current insert:
   * in memory rather than arguments, because calls V8 does not inline box
   * double arguments (a heap number per call).
   */
  private readonly cur = new Float64Array(2);

  /** Sets the current frame's time, which insert, linkFor and updateLink use. */
  setTime(t: number): void {
    this.cur[0] = t;
  }

  /**
   * incStat.insert for every λ at the current time, including the update of
   * every link of the stream. The reference runs λ by λ (insert, then that λ's
   * links); the λs share no state, so doing all inserts first and then each
   * link for all λ performs the same operations on every value in the same order.
   */
  insert(s: number, v0: number): void {
    const base = s * L;
    const cf1 = this.cf1;
    const cf2 = this.cf2;
    const w = this.w;
    const cur = this.cur;
    const t = cur[0]!;
    const d = t - this.last[s]!;
    const v = this.jitter ? (d > 0 ? d : 0) : v0;
    if (d > 0) this.decayStream(s, t, d);
    for (let i = 0; i < L; i++) {
      const idx = base + i;
      const c1 = (cf1[idx]! += v);
      const c2 = (cf2[idx]! += v * v);
      const wi = (w[idx]! += 1);
      const m = c1 / wi;
      this.mean[idx] = m;
      this.vari[idx] = Math.abs(c2 / wi - m * m);
    }
    cur[1] = v;
    const n = this.linkCount[s]!;
    const list = this.linkLists[s]!;
    for (let k = 0; k < n; k++) this.updateCov(list[k]!, s);
  }

  /** Decays stream `s`'s five λ states by 2^(−λ·d) (d = t − its last update > 0) and moves its time to t. */
  private decayStream(s: number, t: number, d: number): void {
    const f = memoOffset(d);
    const base = s * L;
    const cf1 = this.cf1;
    const cf2 = this.cf2;
    const w = this.w;
    for (let i = 0; i < L; i++) {
      const idx = base + i;
      const fi = CACHE_F[f + i]!;
      cf1[idx]! *= fi;
      cf2[idx]! *= fi;
      w[idx]! *= fi;
    }
    this.last[s] = t;
  }

  /**
   * incStat_cov.update_cov for every λ, with the time and value in this.cur.
   * The other stream's decay and the link's are independent, so each is done
   * for all λ in turn (the reference interleaves them per λ).
   */
  private updateCov(l: number, s: number): void {
    const cur = this.cur;
    const t = cur[0]!;
    const v = cur[1]!;
    const a = this.la[l]!;
    const inc0 = a === s;
    const other = inc0 ? this.lb[l]! : a;
    // Decay the other stream to t.
    const od = t - this.last[other]!;
    if (od > 0) this.decayStream(other, t, od);
    const lb = l * L;
    const cf3 = this.cf3;
    const w3 = this.w3;
    const mine = inc0 ? this.res0 : this.res1;
    const theirs = inc0 ? this.res1 : this.res0;
    const d = t - this.last3[l]!;
    if (d > 0) {
      // The reference also decays this side's last residual here, but overwrites it below before any read.
      const f = memoOffset(d);
      for (let i = 0; i < L; i++) {
        const li = lb + i;
        const fi = CACHE_F[f + i]!;
        cf3[li]! *= fi;
        w3[li]! *= fi;
      }
      this.last3[l] = t;
    }
    const mean = this.mean;
    const sb = s * L;
    for (let i = 0; i < L; i++) {
      const li = lb + i;
      const res = v - mean[sb + i]!;
      cf3[li]! += res * theirs[li]!;
      mine[li] = res;
      w3[li]! += 1;
    }
  }

  /** The link update_get_2D_Stats uses for (s, d), created at the current time when new (register_cov). */
  linkFor(s: number, d: number): number {
    if (s === d) {
      // Kitsune-py's look-up matches any link that has d as an endpoint: the stream's first link.
      if (this.linkCount[s]! > 0) return this.linkLists[s]![0]!;
      return this.createLink(s, d);
    }
    // A pair has at most one link: search the shorter of the two endpoints' lists.
    const ns = this.linkCount[s]!;
    const nd = this.linkCount[d]!;
    const list = ns <= nd ? this.linkLists[s]! : this.linkLists[d]!;
    const n = ns <= nd ? ns : nd;
    const la = this.la;
    const lb = this.lb;
    for (let k = 0; k < n; k++) {
      const l = list[k]!;
      const a = la[l]!;
      const b = lb[l]!;
      if ((a === s && b === d) || (a === d && b === s)) return l;
    }
    return this.createLink(s, d);
  }

  private createLink(s: number, d: number): number {
    if (!this.bounds.exact) {
      if (this.linksLive >= this.bounds.maxLinks) this.evictOldestLinks();
      if (this.linkCount[s]! >= this.bounds.maxLinksPerStream) this.dropOldestLinkOf(s);
      if (s !== d && this.linkCount[d]! >= this.bounds.maxLinksPerStream) this.dropOldestLinkOf(d);
    }
    let l: number;
    if (this.linkFreeTop > 0) l = this.linkFree[--this.linkFreeTop]!;
    else {
      if (this.linkNext === this.lcap) this.growLinks(this.lcap * 2);
      l = this.linkNext++;
    }
    this.la[l] = s;
    this.lb[l] = d;
    const base = l * L;
    for (let i = 0; i < L; i++) {
      this.cf3[base + i] = 0;
      this.w3[base + i] = 1e-20;
      this.res0[base + i] = 0;
      this.res1[base + i] = 0;
    }
    this.last3[l] = this.cur[0]!;
    this.appendLink(s, l);
    this.appendLink(d, l);
    this.linksLive++;
    return l;
  }

  private appendLink(s: number, l: number): void {
    let list = this.linkLists[s]!;
    const n = this.linkCount[s]!;
    if (n === list.length) {
      const bigger = new Int32Array(Math.max(4, n * 2));
      bigger.set(list);
      this.linkLists[s] = list = bigger;
    }
    list[n] = l;
    this.linkCount[s] = n + 1;
  }

  /** Second update_cov of update_get_1D2D_Stats (value v at the current time), then the 2-D outputs. */
  updateLink(l: number, s: number, v: number): void {
    this.cur[1] = v;
    this.updateCov(l, s);
  }

  /** Number of links of stream s. */
  linksOf(s: number): number {
    return this.linkCount[s]!;
  }

  linkA(l: number): number {
    return this.la[l]!;
  }
  linkB(l: number): number {
    return this.lb[l]!;
  }

  // ---- bounding (never in exact mode) ---------------------------------------

  /** Called before a frame's ids are resolved: prunes decayed state and keeps room for new streams. */
  maintain(t: number): void {
    const b = this.bounds;
    if (b.exact) return;
    if (t - this.lastSweep >= b.sweepInterval) {
      this.lastSweep = t;
      this.sweep(t);
    }
    if (this.live + 4 > b.maxStreams) this.evictOldestStreams();
  }

  private sweep(t: number): void {
    const cut = this.bounds.pruneWeight;
    const li = LAMBDAS.indexOf(this.bounds.pruneLambda);
    const p = li >= 0 ? li : SLOW;
    const lam = LAM[p]!;
    // Links first: a stale link costs time on every frame of its live endpoint.
    for (let l = 0; l < this.linkNext; l++) {
      if (this.la[l]! < 0) continue;
      const idx = l * L + p;
      const d = t - this.last3[l]!;
      if ((d > 0 ? this.w3[idx]! * Math.pow(2, -lam * d) : this.w3[idx]!) < cut) this.removeLink(l);
    }
    for (let s = 0; s < this.nextId; s++) {
      if (this.inUse[s] !== 1) continue;
      const idx = s * L + p;
      const d = t - this.last[s]!;
      if ((d > 0 ? this.w[idx]! * Math.pow(2, -lam * d) : this.w[idx]!) < cut) {
        this.removeStream(s);
        this.pruned++;
      }
    }
  }

  private evictOldestStreams(): void {
    // Drop the eighth of streams that were updated longest ago.
    if (this.scratch.length < this.nextId) this.scratch = new Float64Array(this.cap);
    let n = 0;
    for (let s = 0; s < this.nextId; s++) if (this.inUse[s] === 1) this.scratch[n++] = this.last[s]!;
    const sorted = this.scratch.subarray(0, n).sort();
    const cutoff = sorted[Math.max(0, (n >> 3) - 1)]!;
    for (let s = 0; s < this.nextId; s++) {
      if (this.inUse[s] === 1 && this.last[s]! <= cutoff) {
        this.removeStream(s);
        this.evicted++;
      }
    }
  }

  private evictOldestLinks(): void {
    if (this.scratch.length < this.linkNext) this.scratch = new Float64Array(this.lcap);
    let n = 0;
    for (let l = 0; l < this.linkNext; l++) if (this.la[l]! >= 0) this.scratch[n++] = this.last3[l]!;
    const sorted = this.scratch.subarray(0, n).sort();
    const cutoff = sorted[Math.max(0, (n >> 3) - 1)]!;
    for (let l = 0; l < this.linkNext; l++) {
      if (this.la[l]! >= 0 && this.last3[l]! <= cutoff) this.removeLink(l);
    }
  }

  private dropOldestLinkOf(s: number): void {
    const list = this.linkLists[s]!;
    const n = this.linkCount[s]!;
    let best = -1;
    let bestT = Infinity;
    for (let k = 0; k < n; k++) {
      const lt = this.last3[list[k]!]!;
      if (lt < bestT) {
        bestT = lt;
        best = list[k]!;
      }
    }
    if (best >= 0) this.removeLink(best);
  }

  private removeFromList(s: number, l: number): void {
    const list = this.linkLists[s]!;
    const n = this.linkCount[s]!;
    let j = 0;
    for (let k = 0; k < n; k++) if (list[k] !== l) list[j++] = list[k]!;
    this.linkCount[s] = j;
  }

  private removeLink(l: number): void {
    const a = this.la[l]!;
    const b = this.lb[l]!;
    this.removeFromList(a, l);
    if (b !== a) this.removeFromList(b, l);
    this.la[l] = -1;
    this.lb[l] = -1;
    this.linkFree[this.linkFreeTop++] = l;
    this.linksLive--;
    this.linksDropped++;
  }

  private removeStream(s: number): void {
    while (this.linkCount[s]! > 0) this.removeLink(this.linkLists[s]![0]!);
    this.inUse[s] = 0;
    this.freeIds[this.freeTop++] = s;
    this.live--;
    this.index?.release(s);
  }
}
