/**
 * Size-specialised autoencoder kernels. KitNET's autoencoders are tiny (at
 * most maxAE = 10 visible and 8 hidden units), so generic nested loops spend
 * much of their time on loop control and on mispredicted exits of loops that
 * run 3 to 10 times, with trip counts changing from one ensemble member to the
 * next. For every (visible, hidden) size in use we generate, once, a function
 * whose dot products and weight updates are written out as straight-line code
 * with constant indices.
 *
 * The generated code performs exactly the arithmetic of the loop version it
 * replaced, in the same order: every dot product is the sum of its even terms
 * plus the sum of its odd terms, each summed left to right (two independent
 * accumulators, which halves the chain of dependent additions), and every
 * weight update is W += (lr·x)·h + (lr·e)·y. Scores are bit-identical to it.
 *
 * The only inputs to the generated source are the two integer sizes, checked
 * below, so no data ever reaches `new Function`.
 */
import { sigmoidBiased, sigmoidBiasedAt } from './sigmoid.js';

/**
 * Forward pass from the normalised input xn: hidden y = sigmoid(xn·W + hb),
 * reconstruction z = sigmoid(y·Wᵀ + vb), error e = xn − z; returns the RMSE.
 * W is row-major, W[k·nh + j] = visible k → hidden j.
 */
export type ForwardKernel = (xn: Float64Array, W: Float64Array, hb: Float64Array, vb: Float64Array, y: Float64Array, e: Float64Array) => number;

/**
 * One SGD step after a forward pass (y and e as it left them):
 * h = (e·W)·y·(1 − y), hb += lr·h, W += lr·(xn ⊗ h + e ⊗ y), vb += lr·e
 * (h: scratch of nh values).
 */
export type BackwardKernel = (
  xn: Float64Array, W: Float64Array, hb: Float64Array, vb: Float64Array, y: Float64Array, e: Float64Array, lr: number, h: Float64Array,
) => void;

/**
 * Where an autoencoder's state sits in its one Float64Array (see stateLayout):
 * weights, biases, min-max normalisers and the scratch of the last pass.
 */
export interface StateLayout {
  /** W[k·nh + j] at w + k·nh + j. */
  w: number;
  hb: number;
  vb: number;
  lo: number;
  hi: number;
  /** Normalised input of the last pass (loop kernels only; the written-out ones keep it in locals). */
  xn: number;
  y: number;
  e: number;
  h: number;
  size: number;
}

export function stateLayout(nv: number, nh: number): StateLayout {
  const w = 0;
  const hb = w + nv * nh;
  const vb = hb + nh;
  const lo = vb + nv;
  const hi = lo + nv;
  const xn = hi + nv;
  const y = xn + nv;
  const e = y + nh;
  const h = e + nv;
  return { w, hb, vb, lo, hi, xn, y, e, h, size: h + nh };
}

/**
 * A whole training step in one call: normalise x[idx[k]] (widening min/max
 * first), forward pass, then the SGD step; out[oi] = the RMSE before the
 * update. S is the autoencoder's state (stateLayout). Nothing is returned, so
 * no double crosses the (megamorphic, never inlined) call.
 */
export type TrainKernel = (x: Float64Array, idx: Int32Array, S: Float64Array, lr: number, out: Float64Array, oi: number) => void;

/** Normalise with the learned min/max (no widening) and forward pass; out[oi] = the RMSE. */
export type ExecuteKernel = (x: Float64Array, idx: Int32Array, S: Float64Array, out: Float64Array, oi: number) => void;

export interface AutoencoderKernels {
  forward: ForwardKernel;
  backward: BackwardKernel;
  train: TrainKernel;
  execute: ExecuteKernel;
}

/** min-max normaliser's guard against a zero range (Kitsune-py's 1e-16). */
export const NORM_EPS = 1e-16;

/** Largest size written out (a 64×48 autoencoder is ~6k lines of source); larger ones use the loop kernels. */
const MAX_UNROLLED = 64;

const cache = new Map<number, AutoencoderKernels>();

/** Kernels for an nv × nh autoencoder (straight-line when small, loops otherwise). */
export function autoencoderKernels(nv: number, nh: number): AutoencoderKernels {
  if (!Number.isInteger(nv) || !Number.isInteger(nh) || nv < 1 || nh < 1) throw new Error(`autoencoder size ${nv}×${nh}`);
  const key = nv * 4096 + nh;
  let k = cache.get(key);
  if (k === undefined) {
    k = nv > MAX_UNROLLED || nh > MAX_UNROLLED ? loopKernelsFor(nv, nh) : {
      forward: compile<ForwardKernel>(`forward_${nv}x${nh}`, 'xn, W, hb, vb, y, e', forwardSource(nv, nh)),
      backward: compile<BackwardKernel>(`backward_${nv}x${nh}`, 'xn, W, hb, vb, y, e, lr, h', backwardSource(nv, nh)),
      train: compile<TrainKernel>(`train_${nv}x${nh}`, 'x, idx, S, lr, out, oi', fusedSource(nv, nh, true)),
      execute: compile<ExecuteKernel>(`execute_${nv}x${nh}`, 'x, idx, S, out, oi', fusedSource(nv, nh, false)),
    };
    cache.set(key, k);
  }
  return k;
}

function compile<F>(name: string, params: string, body: string[]): F {
  const make = new Function('sigmoidBiased', 'sigmoidBiasedAt', `'use strict';\nreturn function ${name}(${params}) {\n  ${body.join('\n  ')}\n};`) as (
    s: typeof sigmoidBiased,
    sAt: typeof sigmoidBiasedAt,
  ) => F;
  return make(sigmoidBiased, sigmoidBiasedAt);
}

/** Source of Σ terms as (even terms, left to right) + (odd terms, left to right). */
function twoAccumulatorSum(terms: string[]): string {
  const even = terms.filter((_, i) => i % 2 === 0);
  const odd = terms.filter((_, i) => i % 2 === 1);
  return `(${even.join(' + ')}) + (${odd.length > 0 ? odd.join(' + ') : '0'})`;
}

function forwardSource(nv: number, nh: number): string[] {
  const s: string[] = [];
  for (let k = 0; k < nv; k++) s.push(`const x${k} = xn[${k}];`);
  for (let j = 0; j < nh; j++) {
    const terms: string[] = [];
    for (let k = 0; k < nv; k++) terms.push(`x${k} * W[${k * nh + j}]`);
    s.push(`y[${j}] = ${twoAccumulatorSum(terms)};`);
  }
  s.push(`sigmoidBiased(y, hb, ${nh});`);
  for (let j = 0; j < nh; j++) s.push(`const y${j} = y[${j}];`);
  for (let k = 0; k < nv; k++) {
    const terms: string[] = [];
    for (let j = 0; j < nh; j++) terms.push(`y${j} * W[${k * nh + j}]`);
    s.push(`e[${k}] = ${twoAccumulatorSum(terms)};`);
  }
  s.push(`sigmoidBiased(e, vb, ${nv});`);
  s.push('let se = 0;');
  for (let k = 0; k < nv; k++) s.push(`const e${k} = x${k} - e[${k}]; e[${k}] = e${k}; se += e${k} * e${k};`);
  s.push(`return Math.sqrt(se / ${nv});`);
  return s;
}

/**
 * The fused train/execute kernels: the normalisation loop of the autoencoder,
 * forwardSource and (train) backwardSource on one state array, with the
 * normalised inputs, hidden values and errors kept in locals between the
 * passes. Same operations in the same order as normalise + forward + backward.
 */
function fusedSource(nv: number, nh: number, train: boolean): string[] {
  const L = stateLayout(nv, nh);
  const s: string[] = [];
  for (let k = 0; k < nv; k++) {
    const lo = `S[${L.lo + k}]`;
    const hi = `S[${L.hi + k}]`;
    s.push(`const v${k} = x[idx[${k}]];`);
    if (train) s.push(`if (v${k} > ${hi}) ${hi} = v${k};`, `if (v${k} < ${lo}) ${lo} = v${k};`);
    s.push(`const x${k} = (v${k} - ${lo}) / (${hi} - ${lo} + ${String(NORM_EPS)});`);
  }
  for (let j = 0; j < nh; j++) {
    const terms: string[] = [];
    for (let k = 0; k < nv; k++) terms.push(`x${k} * S[${L.w + k * nh + j}]`);
    s.push(`S[${L.y + j}] = ${twoAccumulatorSum(terms)};`);
  }
  s.push(`sigmoidBiasedAt(S, ${L.y}, S, ${L.hb}, ${nh});`);
  for (let j = 0; j < nh; j++) s.push(`const y${j} = S[${L.y + j}];`);
  for (let k = 0; k < nv; k++) {
    const terms: string[] = [];
    for (let j = 0; j < nh; j++) terms.push(`y${j} * S[${L.w + k * nh + j}]`);
    s.push(`S[${L.e + k}] = ${twoAccumulatorSum(terms)};`);
  }
  s.push(`sigmoidBiasedAt(S, ${L.e}, S, ${L.vb}, ${nv});`);
  s.push('let se = 0;');
  for (let k = 0; k < nv; k++) s.push(`const e${k} = x${k} - S[${L.e + k}]; S[${L.e + k}] = e${k}; se += e${k} * e${k};`);
  s.push(`out[oi] = Math.sqrt(se / ${nv});`);
  if (!train) return s;
  for (let j = 0; j < nh; j++) {
    const terms: string[] = [];
    for (let k = 0; k < nv; k++) terms.push(`e${k} * S[${L.w + k * nh + j}]`);
    s.push(`const h${j} = (${twoAccumulatorSum(terms)}) * y${j} * (1 - y${j});`);
    s.push(`S[${L.hb + j}] += lr * h${j};`);
  }
  for (let k = 0; k < nv; k++) {
    s.push(`const lx${k} = lr * x${k};`);
    s.push(`const le${k} = lr * e${k};`);
    for (let j = 0; j < nh; j++) s.push(`S[${L.w + k * nh + j}] += lx${k} * h${j} + le${k} * y${j};`);
    s.push(`S[${L.vb + k}] += le${k};`);
  }
  return s;
}

function backwardSource(nv: number, nh: number): string[] {
  const s: string[] = [];
  for (let k = 0; k < nv; k++) s.push(`const e${k} = e[${k}];`);
  for (let j = 0; j < nh; j++) {
    const terms: string[] = [];
    for (let k = 0; k < nv; k++) terms.push(`e${k} * W[${k * nh + j}]`);
    s.push(`const y${j} = y[${j}];`);
    s.push(`const h${j} = (${twoAccumulatorSum(terms)}) * y${j} * (1 - y${j});`);
    s.push(`hb[${j}] += lr * h${j};`);
  }
  for (let k = 0; k < nv; k++) {
    s.push(`const lx${k} = lr * xn[${k}];`);
    s.push(`const le${k} = lr * e${k};`);
    for (let j = 0; j < nh; j++) s.push(`W[${k * nh + j}] += lx${k} * h${j} + le${k} * y${j};`);
    s.push(`vb[${k}] += le${k};`);
  }
  return s;
}

/** The same arithmetic as loops, for sizes too large to write out. */
const LOOP_KERNELS: Pick<AutoencoderKernels, 'forward' | 'backward'> = {
  forward(xn, W, hb, vb, y, e) {
    const nv = xn.length;
    const nh = y.length;
    for (let j = 0; j < nh; j++) y[j] = columnDot(xn, W, j, nv, nh);
    sigmoidBiased(y, hb, nh);
    for (let k = 0, row = 0; k < nv; k++, row += nh) e[k] = rowDot(y, W, row, nh);
    sigmoidBiased(e, vb, nv);
    let se = 0;
    for (let k = 0; k < nv; k++) {
      const ek = xn[k]! - e[k]!;
      e[k] = ek;
      se += ek * ek;
    }
    return Math.sqrt(se / nv);
  },
  backward(xn, W, hb, vb, y, e, lr, h) {
    const nv = xn.length;
    const nh = y.length;
    for (let j = 0; j < nh; j++) {
      const yj = y[j]!;
      const hj = columnDot(e, W, j, nv, nh) * yj * (1 - yj);
      h[j] = hj;
      hb[j]! += lr * hj;
    }
    for (let k = 0, row = 0; k < nv; k++, row += nh) {
      const lx = lr * xn[k]!;
      const le = lr * e[k]!;
      for (let j = 0; j < nh; j++) W[row + j]! += lx * h[j]! + le * y[j]!;
      vb[k]! += le;
    }
  },
};

interface StateViews {
  xn: Float64Array;
  W: Float64Array;
  hb: Float64Array;
  vb: Float64Array;
  lo: Float64Array;
  hi: Float64Array;
  y: Float64Array;
  e: Float64Array;
  h: Float64Array;
}

/** The loop kernels for an nv × nh autoencoder (any size; what the straight-line ones must equal bit for bit). */
export function loopKernelsFor(nv: number, nh: number): AutoencoderKernels {
  const L = stateLayout(nv, nh);
  const { forward, backward } = LOOP_KERNELS;
  // Views of one state array, made once per array (a model's arrays never change).
  let viewsOf: Float64Array | null = null;
  let v: StateViews | null = null;
  const views = (S: Float64Array): StateViews => {
    if (viewsOf !== S) {
      const at = (o: number, n: number): Float64Array => S.subarray(o, o + n);
      v = { xn: at(L.xn, nv), W: at(L.w, nv * nh), hb: at(L.hb, nh), vb: at(L.vb, nv), lo: at(L.lo, nv), hi: at(L.hi, nv),
            y: at(L.y, nh), e: at(L.e, nv), h: at(L.h, nh) };
      viewsOf = S;
    }
    return v!;
  };
  const normalise = (x: Float64Array, idx: Int32Array, a: StateViews, learn: boolean): void => {
    for (let k = 0; k < nv; k++) {
      const val = x[idx[k]!]!;
      if (learn) {
        if (val > a.hi[k]!) a.hi[k] = val;
        if (val < a.lo[k]!) a.lo[k] = val;
      }
      a.xn[k] = (val - a.lo[k]!) / (a.hi[k]! - a.lo[k]! + NORM_EPS);
    }
  };
  return {
    forward,
    backward,
    train(x, idx, S, lr, out, oi) {
      const a = views(S);
      normalise(x, idx, a, true);
      out[oi] = forward(a.xn, a.W, a.hb, a.vb, a.y, a.e);
      backward(a.xn, a.W, a.hb, a.vb, a.y, a.e, lr, a.h);
    },
    execute(x, idx, S, out, oi) {
      const a = views(S);
      normalise(x, idx, a, false);
      out[oi] = forward(a.xn, a.W, a.hb, a.vb, a.y, a.e);
    },
  };
}

/** Σₖ v[k]·W[j + k·stride] (column j of a row-major matrix), even and odd terms in two accumulators. */
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
