/**
 * The straight-line autoencoder kernels must compute exactly what the loop
 * kernels compute (same operations in the same order), bit for bit, for every
 * size KitNET uses by default and a few odd ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoencoderKernels, loopKernels } from '../../src/detect/ml/ae-kernel.js';
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
    const slow = loopKernels();
    assert.notEqual(fast, slow, `${nv}×${nh} is written out`);
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

test('sizes beyond the written-out limit use the loop kernels', () => {
  assert.equal(autoencoderKernels(65, 49), loopKernels());
  assert.throws(() => autoencoderKernels(0, 1), /size/);
});
