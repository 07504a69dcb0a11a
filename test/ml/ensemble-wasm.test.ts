/**
 * The WebAssembly kernels must compute exactly what the JavaScript
 * kernels compute (ae-kernel.ts, same operations in the same order), bit for
 * bit: every state value and every RMSE, over training and execution, for
 * even and odd sizes, a single unit, and inputs that push the sigmoid outside
 * its inline range (the Math.exp path); and the feature mapper's outer
 * product equals its plain loop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autoencoder } from '../../src/detect/ml/autoencoder.js';
import { WasmEnsemble } from '../../src/detect/ml/ensemble-wasm.js';
import { MT19937 } from '../../src/detect/ml/mt19937.js';
import { outerKernel } from '../../src/detect/ml/outer-wasm.js';

function sameBits(a: Float64Array, b: Float64Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test('WebAssembly ensemble passes equal the JavaScript kernels bit for bit (states and RMSEs)', () => {
  const rng = new MT19937(5);
  const nFeatures = 40;
  const shapes: [number, number][][] = [
    [[10, 8], [7, 6], [3, 3], [1, 1], [5, 4], [9, 7], [4, 9], [2, 1], [13, 10]],
    [[1, 1]],
    [[6, 5], [11, 3]],
  ];
  for (const members of shapes) {
    const specs = members.map(([nv, nh], a) => ({ nv, nh, lr: 0.1, idx: Int32Array.from({ length: nv }, (_, k) => (k * 7 + 3 * a) % nFeatures) }));
    const out = { nv: members.length, nh: Math.max(1, Math.ceil(members.length * 0.75)), lr: 0.1 };
    const w = new WasmEnsemble(nFeatures, specs, out);
    const viaWasm = [...specs, out].map((s, a) => new Autoencoder(s.nv, s.nh, s.lr, 1234 + a, w.states[a]!));
    const viaJs = [...specs, out].map((s, a) => new Autoencoder(s.nv, s.nh, s.lr, 1234 + a));
    const identity = Int32Array.from({ length: members.length }, (_, k) => k);
    const s1 = new Float64Array(members.length);
    const score = new Float64Array(1);
    for (let step = 0; step < 60; step++) {
      const learn = step < 40;
      // Execution frames go far outside the learned range: saturated sigmoids, |activation| ≥ 700.
      const x = Float64Array.from({ length: nFeatures }, () => (learn ? rng.uniform(-2, 3) : rng.uniform(-1, 1) * 10 ** (step % 8)));
      w.x.set(x);
      if (learn) w.train();
      else w.execute();
      specs.forEach((s, a) => {
        if (learn) viaJs[a]!.trainInto(x, s.idx, s1, a);
        else viaJs[a]!.executeInto(x, s.idx, s1, a);
      });
      if (learn) viaJs[members.length]!.trainInto(s1, identity, score, 0);
      else viaJs[members.length]!.executeInto(s1, identity, score, 0);
      const where = `${members.map(([v, h]) => `${v}×${h}`).join(',')} step ${step}`;
      sameBits(w.s1, s1, `${where}: member RMSEs`);
      sameBits(w.score, score, `${where}: score`);
      viaJs.forEach((ae, a) => {
        sameBits(viaWasm[a]!.W, ae.W, `${where}: autoencoder ${a} weights`);
        sameBits(viaWasm[a]!.hbias, ae.hbias, `${where}: autoencoder ${a} hidden biases`);
        sameBits(viaWasm[a]!.vbias, ae.vbias, `${where}: autoencoder ${a} visible biases`);
        sameBits(viaWasm[a]!.normMin, ae.normMin, `${where}: autoencoder ${a} minima`);
        sameBits(viaWasm[a]!.normMax, ae.normMax, `${where}: autoencoder ${a} maxima`);
        assert.equal(viaWasm[a]!.worstInput(), ae.worstInput(), `${where}: autoencoder ${a} worst input`);
      });
    }
  }
});

test('WebAssembly ensemble rejects inconsistent shapes', () => {
  assert.throws(() => new WasmEnsemble(4, [{ nv: 2, nh: 2, lr: 0.1, idx: Int32Array.of(0, 1) }], { nv: 2, nh: 1, lr: 0.1 }), /output layer/);
  assert.throws(() => new WasmEnsemble(4, [{ nv: 2, nh: 2, lr: 0.1, idx: Int32Array.of(0, 4) }], { nv: 1, nh: 1, lr: 0.1 }), /index/);
  assert.throws(() => new WasmEnsemble(4, [{ nv: 0, nh: 2, lr: 0.1, idx: Int32Array.of() }], { nv: 1, nh: 1, lr: 0.1 }), /size/);
});

test('feature mapper outer-product kernel equals C[i][j] += r_i·r_j (i ≤ j) bit for bit', () => {
  const rng = new MT19937(9);
  for (const n of [1, 2, 3, 10, 100, 115]) {
    const k = outerKernel(n);
    const want = new Float64Array(n * n);
    for (let step = 0; step < 25; step++) {
      for (let i = 0; i < n; i++) k.r[i] = rng.uniform(-1, 1) * 10 ** (step % 6);
      k.update();
      for (let i = 0; i < n; i++) for (let j = i; j < n; j++) want[i * n + j]! += k.r[i]! * k.r[j]!;
      sameBits(k.C, want, `n=${n} step ${step}`);
    }
  }
});
