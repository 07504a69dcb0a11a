/**
 * One KitNET autoencoder: Kitsune-py's dA (adapted from Yusuke Sugomori's, MIT)
 * with tied weights (W' = Wᵀ), sigmoid units, online min-max normalisation and
 * plain SGD. All state is in Float64Arrays and nothing is allocated per frame;
 * the passes themselves are size-specialised kernels (ae-kernel.ts).
 */
import { MT19937 } from './mt19937.js';
import { autoencoderKernels, type AutoencoderKernels } from './ae-kernel.js';

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
  private readonly kernels: AutoencoderKernels;

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
    this.kernels = autoencoderKernels(nVisible, nh);
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
   * Forward pass from xn: hidden y, reconstruction error e = xn − z; returns
   * the RMSE. Dot products sum their even and odd terms in two accumulators
   * (ae-kernel.ts), which changes results in the last bits only (relative
   * ~1e-16, like numpy's own BLAS order vs. a naive loop); the reference
   * comparison allows 1e-6 relative on the scores.
   */
  private forward(): number {
    return this.kernels.forward(this.xn, this.W, this.hbias, this.vbias, this.y, this.e);
  }

  /** One SGD step on x (features picked by idx); returns the RMSE before the update. */
  train(x: Float64Array, idx: Int32Array | null): number {
    this.n++;
    this.normalise(x, idx, true);
    const rmse = this.forward();
    // lr is folded into the row factors, W += (lr·x)·h + (lr·e)·y: one multiplication less per weight than lr·(x·h + e·y), last bits only.
    this.kernels.backward(this.xn, this.W, this.hbias, this.vbias, this.y, this.e, this.lr, this.h);
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
