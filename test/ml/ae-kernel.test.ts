/**
 * The straight-line autoencoder kernels must compute exactly what the loop
 * kernels compute (same operations in the same order), bit for bit, for every
 * size KitNET uses by default and a few odd ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoencoderKernels, loopKernelsFor, stateLayout } from '../../src/detect/ml/ae-kernel.js';
import { MT19937 } from '../../src/detect/ml/mt19937.js';

function filled(n: number, rng: MT19937, lo: number, hi: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

test('straight-line kernels equal the loop kernels bit for bit (forward and 20 SGD steps)', () => {
  const rng = new MT19937(7);
  for (const [nv, nh] of [[1, 1], [2, 2], [3, 3], [5, 4], [7, 6], [10, 8], [13, 10], [11, 3], [4, 9]] as const) {
    const fast = autoencoderKernels(nv, nh);
    const slow = loopKernelsFor(nv, nh);
    assert.notEqual(fast.forward, slow.forward, `${nv}×${nh} is written out`);
    const W = filled(nv * nh, rng, -1 / nv, 1 / nv);
    const state = () => ({ W: W.slice(), hb: new Float64Array(nh), vb: new Float64Array(nv), y: new Float64Array(nh), e: new Float64Array(nv), h: new Float64Array(nh) });
    const a = state();
    const b = state();
    for (let step = 0; step < 20; step++) {
      const xn = filled(nv, rng, -0.5, 1.5);
      const ra = fast.forward(xn, a.W, a.hb, a.vb, a.y, a.e);
      const rb = slow.forward(xn, b.W, b.hb, b.vb, b.y, b.e);
      assert.ok(Object.is(ra, rb), `${nv}×${nh} step ${step}: RMSE ${ra} vs ${rb}`);
      fast.backward(xn, a.W, a.hb, a.vb, a.y, a.e, 0.1, a.h);
      slow.backward(xn, b.W, b.hb, b.vb, b.y, b.e, 0.1, b.h);
      assert.deepEqual(Array.from(a.W), Array.from(b.W), `${nv}×${nh} step ${step}: weights`);
      assert.deepEqual(Array.from(a.hb), Array.from(b.hb), `${nv}×${nh} step ${step}: hidden biases`);
      assert.deepEqual(Array.from(a.vb), Array.from(b.vb), `${nv}×${nh} step ${step}: visible biases`);
    }
  }
});

test('fused train/execute kernels equal normalise + loop forward/backward bit for bit', () => {
  const rng = new MT19937(11);
  for (const [nv, nh] of [[1, 1], [3, 3], [5, 4], [10, 8], [13, 10], [11, 3], [4, 9], [66, 50]] as const) {
    const fast = autoencoderKernels(nv, nh);
    const slow = loopKernelsFor(nv, nh);
    const L = stateLayout(nv, nh);
    const S = new Float64Array(L.size);
    S.set(filled(nv * nh, rng, -1 / nv, 1 / nv), L.w);
    S.fill(Infinity, L.lo, L.lo + nv);
    S.fill(-Infinity, L.hi, L.hi + nv);
    // The reference path: separate arrays, the autoencoder's normalisation loop, then forward/backward.
    const W = S.slice(L.w, L.w + nv * nh);
    const hb = new Float64Array(nh);
    const vb = new Float64Array(nv);
    const lo = new Float64Array(nv).fill(Infinity);
    const hi = new Float64Array(nv).fill(-Infinity);
    const xn = new Float64Array(nv);
    const y = new Float64Array(nh);
    const e = new Float64Array(nv);
    const h = new Float64Array(nh);
    const idx = Int32Array.from({ length: nv }, (_, k) => (k * 7 + 3) % (nv + 5));
    const out = new Float64Array(3);
    for (let step = 0; step < 30; step++) {
      const x = filled(nv + 5, rng, -2, 3);
      const learn = step < 20;
      for (let k = 0; k < nv; k++) {
        const v = x[idx[k]!]!;
        if (learn) {
          if (v > hi[k]!) hi[k] = v;
          if (v < lo[k]!) lo[k] = v;
        }
        xn[k] = (v - lo[k]!) / (hi[k]! - lo[k]! + 1e-16);
      }
      const want = slow.forward(xn, W, hb, vb, y, e);
      if (learn) {
        slow.backward(xn, W, hb, vb, y, e, 0.1, h);
        fast.train(x, idx, S, 0.1, out, 2);
      } else {
        fast.execute(x, idx, S, out, 2);
      }
      assert.ok(Object.is(out[2], want), `${nv}×${nh} step ${step}: RMSE ${out[2]} vs ${want}`);
      assert.deepEqual(Array.from(S.subarray(L.w, L.w + nv * nh)), Array.from(W), `${nv}×${nh} step ${step}: weights`);
      assert.deepEqual(Array.from(S.subarray(L.hb, L.hb + nh)), Array.from(hb), `${nv}×${nh} step ${step}: hidden biases`);
      assert.deepEqual(Array.from(S.subarray(L.vb, L.vb + nv)), Array.from(vb), `${nv}×${nh} step ${step}: visible biases`);
      assert.deepEqual(Array.from(S.subarray(L.lo, L.hi + nv)), [...lo, ...hi], `${nv}×${nh} step ${step}: normalisers`);
      assert.deepEqual(Array.from(S.subarray(L.e, L.e + nv)), Array.from(e), `${nv}×${nh} step ${step}: errors`);
    }
  }
});

test('sizes beyond the written-out limit use the loop kernels', () => {
  assert.equal(autoencoderKernels(65, 49).forward, loopKernelsFor(1, 1).forward);
  assert.throws(() => autoencoderKernels(0, 1), /size/);
});
