/**
 * The inline sigmoid must agree with 1 / (1 + Math.exp(-v)) to within 8.9e-16 relative over
 * the whole double range (KitNET's scores must match Kitsune-py's within 1e-6
 * relative; this keeps the exp's own contribution around 1e-16).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sigmoidBiased } from '../../src/detect/ml/sigmoid.js';

/** xorshift64*-style generator over two uint32 halves (deterministic, no BigInt). */
function makeRandom(seed: number): () => number {
  let a = seed >>> 0 || 1;
  let b = 0x9e3779b9;
  return () => {
    let t = a ^ (a << 11);
    a = b;
    b = (b ^ (b >>> 19) ^ t ^ (t >>> 8)) >>> 0;
    t = b;
    return t >>> 0;
  };
}

function fromWords(hi: number, lo: number): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setUint32(0, hi >>> 0);
  v.setUint32(4, lo >>> 0);
  return v.getFloat64(0);
}

/** Largest relative difference allowed: 8·2^-53 ≈ 8.9e-16, 4 to 8 ulps (measured worst case about 4.6·2^-53). */
const MAX_REL = 8 * 2 ** -53;

function checkAll(values: number[], biases: number[]): void {
  const v = Float64Array.from(values);
  const b = Float64Array.from(biases);
  sigmoidBiased(v, b, v.length);
  for (let i = 0; i < values.length; i++) {
    const want = 1 / (1 + Math.exp(-(values[i]! + biases[i]!)));
    const got = v[i]!;
    const ok = Number.isNaN(want) ? Number.isNaN(got) : got === want || Math.abs(got - want) <= MAX_REL * want;
    if (!ok) assert.fail(`sigmoid(${values[i]} + ${biases[i]}) = ${got}, Math.exp gives ${want}`);
  }
}

test('sigmoidBiased equals 1/(1 + Math.exp(-(v + b))) within 8·2^-53 relative', () => {
  const rnd = makeRandom(20261127);
  const u = (): number => rnd() / 4294967296;
  const values: number[] = [];
  const biases: number[] = [];
  const add = (x: number, bias = 0): void => {
    values.push(x);
    biases.push(bias);
  };
  for (let i = 0; i < 400_000; i++) {
    add((u() - 0.5) * 4, (u() - 0.5) * 0.2); // typical activations
    add((u() - 0.5) * 60);
    add((u() - 0.5) * 1600); // past fdlibm's overflow and underflow thresholds
    add((u() - 0.5) * 1e-7); // around 2^-28
    add(fromWords(rnd(), rnd())); // any double, NaN and ±Infinity included
  }
  // Both sides of fdlibm's thresholds (high words of ½·ln2, 1.5·ln2, 2^-28, 709.78) and of the inline limit 700.
  for (const hi of [0x3fd62e41, 0x3fd62e42, 0x3fd62e43, 0x3ff0a2b1, 0x3ff0a2b2, 0x3e2fffff, 0x3e300000, 0x40862e41, 0x40862e42, 0x4085e000]) {
    for (const sign of [0, 0x80000000]) {
      for (let j = 0; j < 500; j++) {
        add(fromWords(hi | sign, j));
        add(fromWords(hi | sign, 0xffffffff - j));
        add(fromWords(hi | sign, rnd()));
      }
    }
  }
  for (const x of [0, -0, 1, -1, 2, -2, 0.5, -0.5, 700, -700, 709.78, -745.2, 800, -800, Infinity, -Infinity, NaN, 5e-324, -5e-324, Math.LN2 / 2, -Math.LN2 / 2, 1.5 * Math.LN2]) add(x);
  checkAll(values, biases);
});
