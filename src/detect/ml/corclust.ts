/**
 * KitNET's feature mapper (Kitsune-py corClust.py): an incremental correlation
 * matrix of the features, then single-linkage hierarchical clustering of the
 * correlation distance, split top-down until every cluster has ≤ maxAE
 * features. The clustering follows scipy 1.10 exactly (mst_single_linkage,
 * stable sort by distance, union-find relabelling, to_tree, pre_order), so
 * ties break the way the reference's do.
 */
import { outerKernel, type OuterKernel } from './outer-wasm.js';

export class CorClust {
  private readonly c: Float64Array;
  private readonly cr: Float64Array;
  private readonly crs: Float64Array;
  /** Upper triangle (i ≤ j) of C = Σ outer(r, r), row-major n×n (in the kernel's memory, as r). */
  private readonly C: Float64Array;
  private readonly r: Float64Array;
  private readonly outer: OuterKernel;
  N = 0;

  constructor(readonly n: number) {
    this.c = new Float64Array(n);
    this.cr = new Float64Array(n);
    this.crs = new Float64Array(n);
    this.outer = outerKernel(n);
    this.C = this.outer.C;
    this.r = this.outer.r;
  }

  update(x: Float64Array): void {
    const n = this.n;
    this.N++;
    for (let i = 0; i < n; i++) {
      this.c[i]! += x[i]!;
      const r = x[i]! - this.c[i]! / this.N;
      this.r[i] = r;
      this.cr[i]! += r;
      this.crs[i]! += r * r;
    }
    this.outer.update();
  }

  /** Condensed correlation-distance matrix (pairs i < j in row-major order). */
  condensedDistances(): Float64Array {
    const n = this.n;
    const out = new Float64Array((n * (n - 1)) / 2);
    const sq = new Float64Array(n);
    for (let i = 0; i < n; i++) sq[i] = Math.sqrt(this.crs[i]!);
    let k = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let den = sq[i]! * sq[j]!;
        if (den === 0) den = 1e-100;
        let d = 1 - this.C[i * n + j]! / den;
        if (d < 0) d = 0;
        out[k++] = d;
      }
    }
    return out;
  }

  /** The feature map: clusters of feature indices, each in dendrogram pre-order. */
  cluster(maxClust: number): number[][] {
    const n = this.n;
    if (n === 1) return [[0]];
    const m = Math.min(Math.max(1, maxClust), n);
    const Z = singleLinkage(this.condensedDistances(), n);
    return breakClusters(Z, n, m);
  }
}

/** scipy.cluster.hierarchy.linkage(y, 'single'): rows [left, right, dist, size]. */
export function singleLinkage(dists: Float64Array, n: number): Float64Array[] {
  const merged = new Uint8Array(n);
  const D = new Float64Array(n).fill(Infinity);
  const rows: { x: number; y: number; d: number }[] = [];
  const cidx = (i: number, j: number): number => {
    const a = i < j ? i : j;
    const b = i < j ? j : i;
    return n * a - (a * (a + 1)) / 2 + (b - a - 1);
  };
  let x = 0;
  let y = 0;
  for (let k = 0; k < n - 1; k++) {
    let cur = Infinity;
    merged[x] = 1;
    for (let i = 0; i < n; i++) {
      if (merged[i] === 1) continue;
      const dist = dists[cidx(x, i)]!;
      if (D[i]! > dist) D[i] = dist;
      if (D[i]! < cur) {
        y = i;
        cur = D[i]!;
      }
    }
    rows.push({ x, y, d: cur });
    x = y;
  }
  // np.argsort(kind='mergesort') is stable, as Array.prototype.sort is.
  rows.sort((a, b) => a.d - b.d);
  // label(): relabel with union-find, smaller root first.
  const parent = new Int32Array(2 * n - 1);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const size = new Int32Array(2 * n - 1).fill(1);
  const find = (v: number): number => {
    let r = v;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[v] !== r) {
      const nx = parent[v]!;
      parent[v] = r;
      v = nx;
    }
    return r;
  };
  let next = n;
  const Z: Float64Array[] = [];
  for (const row of rows) {
    const xr = find(row.x);
    const yr = find(row.y);
    const lo = xr < yr ? xr : yr;
    const hi = xr < yr ? yr : xr;
    parent[xr] = next;
    parent[yr] = next;
    size[next] = size[xr]! + size[yr]!;
    Z.push(Float64Array.of(lo, hi, row.d, size[next]!));
    next++;
  }
  return Z;
}

/** __breakClust__ over to_tree(Z): split (left child first) until clusters have ≤ maxClust leaves. */
function breakClusters(Z: Float64Array[], n: number, maxClust: number): number[][] {
  const count = (id: number): number => (id < n ? 1 : Z[id - n]![3]!);
  const preOrder = (id: number, out: number[]): void => {
    if (id < n) {
      out.push(id);
      return;
    }
    preOrder(Z[id - n]![0]!, out);
    preOrder(Z[id - n]![1]!, out);
  };
  const result: number[][] = [];
  const split = (id: number): void => {
    if (count(id) <= maxClust) {
      const leaves: number[] = [];
      preOrder(id, leaves);
      result.push(leaves);
      return;
    }
    split(Z[id - n]![0]!);
    split(Z[id - n]![1]!);
  };
  split(2 * n - 2);
  return result;
}
