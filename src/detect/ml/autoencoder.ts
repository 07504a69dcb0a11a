/**
 * One KitNET autoencoder: Kitsune-py's dA (adapted from Yusuke Sugomori's, MIT)
 * with tied weights (W' = Wᵀ), sigmoid units, online min-max normalisation and
 * plain SGD. All state is in Float64Arrays and the loops allocate nothing.
 */
import { MT19937 } from './mt19937.js';

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
    // Gather first, so that the loops below test neither idx nor learn per element.
    if (idx === null) for (let k = 0; k < nv; k++) xn[k] = x[k]!;
    else for (let k = 0; k < nv; k++) xn[k] = x[idx[k]!]!;
    if (learn) {
      for (let k = 0; k < nv; k++) {
        const v = xn[k]!;
        if (v > hi[k]!) hi[k] = v;
        if (v < lo[k]!) lo[k] = v;
      }
    }
    for (let k = 0; k < nv; k++) xn[k] = (xn[k]! - lo[k]!) / (hi[k]! - lo[k]! + NORM_EPS);
  }

  /**
   * Forward pass from xn: hidden y, reconstruction error e = xn − z. Returns the
   * RMSE. When `backprop`, also leaves h = (e·W)·y·(1 − y) in this.h, summed
   * over k in the same order as a separate e·W pass would (bit-identical).
   * Each dot product runs over k in ascending order, as before the fusion.
   */
  private forward(backprop: boolean): number {
    const nv = this.nVisible;
    const nh = this.nHidden;
    const W = this.W;
    const xn = this.xn;
    const y = this.y;
    const hb = this.hbias;
    // y = sigmoid(xn·W + hb), accumulated row by row over contiguous W (each sum still runs over k in order).
    const x0 = xn[0]!;
    for (let j = 0; j < nh; j++) y[j] = x0 * W[j]!;
    for (let k = 1; k < nv; k++) {
      const xk = xn[k]!;
      const row = k * nh;
      for (let j = 0; j < nh; j++) y[j]! += xk * W[row + j]!;
    }
    for (let j = 0; j < nh; j++) y[j] = 1 / (1 + Math.exp(-(y[j]! + hb[j]!)));
    const h = this.h;
    if (backprop) for (let j = 0; j < nh; j++) h[j] = 0;
    let se = 0;
    const vb = this.vbias;
    const e = this.e;
    for (let k = 0; k < nv; k++) {
      let s = 0;
      const row = k * nh;
      for (let j = 0; j < nh; j++) s += y[j]! * W[row + j]!;
      const ek = xn[k]! - 1 / (1 + Math.exp(-(s + vb[k]!)));
      e[k] = ek;
      se += ek * ek;
      if (backprop) for (let j = 0; j < nh; j++) h[j]! += ek * W[row + j]!;
    }
    return Math.sqrt(se / nv);
  }

  /** One SGD step on x (features picked by idx); returns the RMSE before the update. */
  train(x: Float64Array, idx: Int32Array | null): number {
    this.n++;
    const nv = this.nVisible;
    const nh = this.nHidden;
    this.normalise(x, idx, true);
    const rmse = this.forward(true);
    const W = this.W;
    const y = this.y;
    const e = this.e;
    const h = this.h;
    const xn = this.xn;
    const lr = this.lr;
    const hb = this.hbias;
    for (let j = 0; j < nh; j++) {
      const yj = y[j]!;
      const hj = h[j]! * yj * (1 - yj);
      h[j] = hj;
      hb[j]! += lr * hj;
    }
    const vb = this.vbias;
    for (let k = 0; k < nv; k++) {
      const row = k * nh;
      const xk = xn[k]!;
      const ek = e[k]!;
      for (let j = 0; j < nh; j++) W[row + j]! += lr * (xk * h[j]! + ek * y[j]!);
      vb[k]! += lr * ek;
    }
    return rmse;
  }

  /** RMSE of the reconstruction of x, normalised with the learned min/max (not clipped, as the reference). */
  execute(x: Float64Array, idx: Int32Array | null): number {
    this.normalise(x, idx, false);
    return this.forward(false);
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
