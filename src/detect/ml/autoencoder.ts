/**
 * One KitNET autoencoder: Kitsune-py's dA (adapted from Yusuke Sugomori's, MIT)
 * with tied weights (W' = Wᵀ), sigmoid units, online min-max normalisation and
 * plain SGD. All state is in Float64Arrays and the loops allocate nothing.
 */
import { MT19937 } from './mt19937.js';
import { sigmoidBiased } from './sigmoid.js';

const NORM_EPS = 1e-16;

/** Serialised form (±Infinity normalisers, before any training, are stored as null). */
export interface AutoencoderJson {
  nVisible: number;
  nHidden: number;
  lr: number;
  n: number;
  W: number[];
  hbias: number[];
  vbias: number[];
  normMin: (number | null)[];
  normMax: (number | null)[];
}

/** Hidden units for a visible size, as dA: int(ceil(n_visible · hiddenRatio)). */
export function hiddenUnits(nVisible: number, hiddenRatio: number): number {
  return Math.max(1, Math.ceil(nVisible * hiddenRatio));
}

export class Autoencoder {
  /** W[k * nHidden + j]: visible k → hidden j. */
  readonly W: Float64Array;
  readonly hbias: Float64Array;
  readonly vbias: Float64Array;
  readonly normMin: Float64Array;
  readonly normMax: Float64Array;
  /** Frames trained. */
  n = 0;
  private readonly xn: Float64Array;
  private readonly y: Float64Array;
  private readonly e: Float64Array;
  private readonly h: Float64Array;

  constructor(
    readonly nVisible: number,
    readonly nHidden: number,
    readonly lr: number,
    seed = 1234,
  ) {
    const nh = this.nHidden;
    this.W = new Float64Array(nVisible * nh);
    // numpy.random.RandomState(1234).uniform(-1/nv, 1/nv, size=(nv, nh)), filled row by row.
    const rng = new MT19937(seed);
    const a = 1 / nVisible;
    for (let i = 0; i < this.W.length; i++) this.W[i] = rng.uniform(-a, a);
    this.hbias = new Float64Array(nh);
    this.vbias = new Float64Array(nVisible);
    this.normMin = new Float64Array(nVisible).fill(Infinity);
    this.normMax = new Float64Array(nVisible).fill(-Infinity);
    this.xn = new Float64Array(nVisible);
    this.y = new Float64Array(nh);
    this.e = new Float64Array(nVisible);
    this.h = new Float64Array(nh);
  }

  /** Loads x[idx[k]] (or x[k] when idx is null) normalised into xn; when `learn`, widens min/max first. */
  private normalise(x: Float64Array, idx: Int32Array | null, learn: boolean): void {
    const nv = this.nVisible;
    const lo = this.normMin;
    const hi = this.normMax;
    const xn = this.xn;
    for (let k = 0; k < nv; k++) {
      const v = idx === null ? x[k]! : x[idx[k]!]!;
      if (learn) {
        if (v > hi[k]!) hi[k] = v;
        if (v < lo[k]!) lo[k] = v;
      }
      xn[k] = (v - lo[k]!) / (hi[k]! - lo[k]! + NORM_EPS);
    }
  }

  /**
   * Forward pass from xn: hidden y, reconstruction error e = xn − z. Returns the
   * RMSE. Each dot product runs two independent accumulators (even and odd
   * terms) added at the end, which halves the chain of dependent additions.
   * That reorders the summation, changing results in the last bits only
   * (relative ~1e-16, like numpy's own BLAS order vs. a naive loop); the
   * reference comparison allows 1e-6 relative on the scores.
   */
  private forward(): number {
    const nv = this.nVisible;
    const nh = this.nHidden;
    const W = this.W;
    const xn = this.xn;
    const y = this.y;
    // y = sigmoid(xn·W + hb)
    for (let j = 0; j < nh; j++) y[j] = columnDot(xn, W, j, nv, nh);
    sigmoidBiased(y, this.hbias, nh);
    // z = sigmoid(y·Wᵀ + vb), e = xn − z
    const e = this.e;
    for (let k = 0, row = 0; k < nv; k++, row += nh) e[k] = rowDot(y, W, row, nh);
    sigmoidBiased(e, this.vbias, nv);
    let se = 0;
    for (let k = 0; k < nv; k++) {
      const ek = xn[k]! - e[k]!;
      e[k] = ek;
      se += ek * ek;
    }
    return Math.sqrt(se / nv);
  }

  /** One SGD step on x (features picked by idx); returns the RMSE before the update. */
  train(x: Float64Array, idx: Int32Array | null): number {
    this.n++;
    const nv = this.nVisible;
    const nh = this.nHidden;
    this.normalise(x, idx, true);
    const rmse = this.forward();
    const W = this.W;
    const y = this.y;
    const e = this.e;
    const h = this.h;
    const xn = this.xn;
    const lr = this.lr;
    const hb = this.hbias;
    // h = (e·W)·y·(1 − y), with two accumulators as in forward().
    for (let j = 0; j < nh; j++) {
      const yj = y[j]!;
      const hj = columnDot(e, W, j, nv, nh) * yj * (1 - yj);
      h[j] = hj;
      hb[j]! += lr * hj;
    }
    const vb = this.vbias;
    // W += lr·(xn ⊗ h + e ⊗ y), with lr folded into the row factors: one
    // multiplication less per weight; lr·(a + b) vs (lr·x)·h + (lr·e)·y differ
    // in the last bits only.
    for (let k = 0, row = 0; k < nv; k++, row += nh) {
      const lx = lr * xn[k]!;
      const le = lr * e[k]!;
      let j = 0;
      for (; j + 1 < nh; j += 2) {
        W[row + j]! += lx * h[j]! + le * y[j]!;
        W[row + j + 1]! += lx * h[j + 1]! + le * y[j + 1]!;
      }
      if (j < nh) W[row + j]! += lx * h[j]! + le * y[j]!;
      vb[k]! += le;
    }
    return rmse;
  }

  /** RMSE of the reconstruction of x, normalised with the learned min/max (not clipped, as the reference). */
  execute(x: Float64Array, idx: Int32Array | null): number {
    this.normalise(x, idx, false);
    return this.forward();
  }

  /** Index of the visible unit with the largest squared error in the last pass. */
  worstInput(): number {
    let best = 0;
    for (let k = 1; k < this.nVisible; k++) if (this.e[k]! * this.e[k]! > this.e[best]! * this.e[best]!) best = k;
    return best;
  }

  toJSON(): AutoencoderJson {
    const fin = (a: Float64Array): (number | null)[] => Array.from(a, (v) => (Number.isFinite(v) ? v : null));
    return {
      nVisible: this.nVisible,
      nHidden: this.nHidden,
      lr: this.lr,
      n: this.n,
      W: Array.from(this.W),
      hbias: Array.from(this.hbias),
      vbias: Array.from(this.vbias),
      normMin: fin(this.normMin),
      normMax: fin(this.normMax),
    };
  }

  static fromJSON(j: AutoencoderJson, where: string): Autoencoder {
    const nv = j.nVisible;
    const nh = j.nHidden;
    if (!(nv >= 1) || !(nh >= 1) || j.W.length !== nv * nh || j.hbias.length !== nh || j.vbias.length !== nv ||
        j.normMin.length !== nv || j.normMax.length !== nv) {
      throw new Error(`${where}: autoencoder arrays do not match nVisible=${nv}, nHidden=${nh}`);
    }
    const ae = new Autoencoder(nv, nh, j.lr);
    ae.W.set(j.W);
    ae.hbias.set(j.hbias);
    ae.vbias.set(j.vbias);
    for (let k = 0; k < nv; k++) {
      ae.normMin[k] = j.normMin[k] ?? Infinity;
      ae.normMax[k] = j.normMax[k] ?? -Infinity;
    }
    ae.n = j.n;
    return ae;
  }
}

/**
 * Σₖ v[k]·W[j + k·stride] (column j of a row-major matrix), with two
 * independent accumulators (even and odd terms) added at the end.
 */
function columnDot(v: Float64Array, W: Float64Array, j: number, n: number, stride: number): number {
  let s0 = 0;
  let s1 = 0;
  let k = 0;
  let r = j;
  for (; k + 1 < n; k += 2, r += 2 * stride) {
    s0 += v[k]! * W[r]!;
    s1 += v[k + 1]! * W[r + stride]!;
  }
  if (k < n) s0 += v[k]! * W[r]!;
  return s0 + s1;
}

/** Σⱼ v[j]·W[row + j] (one row of a row-major matrix), two accumulators as columnDot. */
function rowDot(v: Float64Array, W: Float64Array, row: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let j = 0;
  for (; j + 1 < n; j += 2) {
    s0 += v[j]! * W[row + j]!;
    s1 += v[j + 1]! * W[row + j + 1]!;
  }
  if (j < n) s0 += v[j]! * W[row + j]!;
  return s0 + s1;
}
