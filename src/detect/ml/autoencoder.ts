/**
 * One KitNET autoencoder: Kitsune-py's dA (adapted from Yusuke Sugomori's, MIT)
 * with tied weights (W' = Wᵀ), sigmoid units, online min-max normalisation and
 * plain SGD. All state is in Float64Arrays and nothing is allocated per frame;
 * the passes themselves are size-specialised kernels (ae-kernel.ts; inside
 * KitNET, the WebAssembly module of ensemble-wasm.ts, which keeps the state).
 */
import { MT19937 } from './mt19937.js';
import { autoencoderKernels, stateLayout, type AutoencoderKernels } from './ae-kernel.js';

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
  /** All the state above (views of it) and the scratch of a pass, laid out by stateLayout (for the kernels). */
  readonly state: Float64Array;
  /** Reconstruction error of the last pass (a view of state). */
  private readonly e: Float64Array;
  /** 0..nVisible−1, the feature indexes when the input is taken whole. */
  readonly identity: Int32Array;
  /** RMSE slot for train/execute, which return it. */
  private readonly rmse = new Float64Array(1);
  readonly kernels: AutoencoderKernels;

  constructor(
    readonly nVisible: number,
    readonly nHidden: number,
    readonly lr: number,
    seed = 1234,
    /** Where to keep the state (stateLayout(nVisible, nHidden).size values; e.g. a slice of a WebAssembly memory). */
    state: Float64Array | null = null,
  ) {
    const nh = this.nHidden;
    const L = stateLayout(nVisible, nh);
    if (state !== null && state.length !== L.size) throw new Error(`autoencoder ${nVisible}×${nh}: state needs ${L.size} values, got ${state.length}`);
    this.state = state ?? new Float64Array(L.size);
    const view = (o: number, n: number): Float64Array => this.state.subarray(o, o + n);
    this.W = view(L.w, nVisible * nh);
    // numpy.random.RandomState(1234).uniform(-1/nv, 1/nv, size=(nv, nh)), filled row by row.
    const rng = new MT19937(seed);
    const a = 1 / nVisible;
    for (let i = 0; i < this.W.length; i++) this.W[i] = rng.uniform(-a, a);
    this.hbias = view(L.hb, nh);
    this.vbias = view(L.vb, nVisible);
    this.normMin = view(L.lo, nVisible).fill(Infinity);
    this.normMax = view(L.hi, nVisible).fill(-Infinity);
    this.e = view(L.e, nVisible);
    this.identity = Int32Array.from({ length: nVisible }, (_, k) => k);
    this.kernels = autoencoderKernels(nVisible, nh);
  }

  /**
   * One SGD step on x (features picked by idx, all of x when null): widens the
   * min-max normalisers, forward pass, update; out[oi] = the RMSE before the
   * update. The kernels (ae-kernel.ts) sum dot products' even and odd terms in
   * two accumulators, which changes results in the last bits only (relative
   * ~1e-16, like numpy's own BLAS order vs. a naive loop); the reference
   * comparison allows 1e-6 relative on the scores. W += (lr·x)·h + (lr·e)·y
   * folds lr into the row factors: one multiplication less per weight than
   * lr·(x·h + e·y), last bits only.
   */
  trainInto(x: Float64Array, idx: Int32Array | null, out: Float64Array, oi: number): void {
    this.n++;
    this.kernels.train(x, idx ?? this.identity, this.state, this.lr, out, oi);
  }

  /** out[oi] = RMSE of the reconstruction of x, normalised with the learned min/max (not clipped, as the reference). */
  executeInto(x: Float64Array, idx: Int32Array | null, out: Float64Array, oi: number): void {
    this.kernels.execute(x, idx ?? this.identity, this.state, out, oi);
  }

  /** trainInto, returning the RMSE. */
  train(x: Float64Array, idx: Int32Array | null): number {
    this.trainInto(x, idx, this.rmse, 0);
    return this.rmse[0]!;
  }

  /** executeInto, returning the RMSE. */
  execute(x: Float64Array, idx: Int32Array | null): number {
    this.executeInto(x, idx, this.rmse, 0);
    return this.rmse[0]!;
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

  static fromJSON(j: AutoencoderJson, where: string, state: Float64Array | null = null): Autoencoder {
    const nv = j.nVisible;
    const nh = j.nHidden;
    if (!(nv >= 1) || !(nh >= 1) || j.W.length !== nv * nh || j.hbias.length !== nh || j.vbias.length !== nv ||
        j.normMin.length !== nv || j.normMax.length !== nv) {
      throw new Error(`${where}: autoencoder arrays do not match nVisible=${nv}, nHidden=${nh}`);
    }
    const ae = new Autoencoder(nv, nh, j.lr, 1234, state);
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
