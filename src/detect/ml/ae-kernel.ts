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
import { sigmoidBiased } from './sigmoid.js';

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

export interface AutoencoderKernels {
  forward: ForwardKernel;
  backward: BackwardKernel;
}

/** Largest size written out (a 64×48 autoencoder is ~6k lines of source); larger ones use the loop kernels. */
const MAX_UNROLLED = 64;

const cache = new Map<number, AutoencoderKernels>();

/** Kernels for an nv × nh autoencoder (straight-line when small, loops otherwise). */
export function autoencoderKernels(nv: number, nh: number): AutoencoderKernels {
  if (!Number.isInteger(nv) || !Number.isInteger(nh) || nv < 1 || nh < 1) throw new Error(`autoencoder size ${nv}×${nh}`);
  if (nv > MAX_UNROLLED || nh > MAX_UNROLLED) return LOOP_KERNELS;
  const key = nv * (MAX_UNROLLED + 1) + nh;
  let k = cache.get(key);
  if (k === undefined) {
    k = { forward: compile<ForwardKernel>(`forward_${nv}x${nh}`, 'xn, W, hb, vb, y, e', forwardSource(nv, nh)),
          backward: compile<BackwardKernel>(`backward_${nv}x${nh}`, 'xn, W, hb, vb, y, e, lr, h', backwardSource(nv, nh)) };
    cache.set(key, k);
  }
  return k;
}

function compile<F>(name: string, params: string, body: string[]): F {
  const make = new Function('sigmoidBiased', `'use strict';\nreturn function ${name}(${params}) {\n  ${body.join('\n  ')}\n};`) as (
    s: typeof sigmoidBiased,
  ) => F;
  return make(sigmoidBiased);
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
const LOOP_KERNELS: AutoencoderKernels = {
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

/** The loop kernels (any size; what the straight-line ones must equal bit for bit). */
export function loopKernels(): AutoencoderKernels {
  return LOOP_KERNELS;
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
