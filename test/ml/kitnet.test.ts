/**
 * KitNET against Kitsune-py: initial weights (numpy MT19937 seed 1234), the
 * learned feature maps (corClust + scipy single linkage), and the RMSE scores
 * of every frame of the tor capture fed the reference's own feature vectors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needShared } from '../helpers/env.js';
import { KITSUNE, gunzipLines } from './reference.js';
import { Autoencoder } from '../../src/detect/ml/autoencoder.js';
import { CorClust } from '../../src/detect/ml/corclust.js';
import { KitNET } from '../../src/detect/ml/kitnet.js';
import { modelFromJson, modelToJson } from '../../src/detect/ml/model.js';
import { logNormalThreshold, normalQuantile } from '../../src/detect/ml/threshold.js';

function loadVectors(name: string): Float64Array[] {
  return gunzipLines(join(KITSUNE, `${name}.features.csv.gz`)).slice(1).map((l) => Float64Array.from(l.split(',').slice(1), Number));
}

function spearman(a: number[], b: number[]): number {
  const rank = (v: number[]): Float64Array => {
    const idx = v.map((_, i) => i).sort((x, y) => v[x]! - v[y]!);
    const r = new Float64Array(v.length);
    for (let i = 0; i < idx.length; ) {
      let j = i;
      while (j + 1 < idx.length && v[idx[j + 1]!] === v[idx[i]!]) j++;
      for (let k = i; k <= j; k++) r[idx[k]!] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const n = a.length;
  const mean = (n - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i]! - mean) * (rb[i]! - mean);
    da += (ra[i]! - mean) ** 2;
    db += (rb[i]! - mean) ** 2;
  }
  return num / Math.sqrt(da * db);
}

test('initial weights equal dA_init_W.json for 1..20 visible units', (t) => {
  if (!needShared(t)) return;
  const ref = JSON.parse(readFileSync(join(KITSUNE, 'dA_init_W.json'), 'utf8')) as Record<string, { n_hidden: number; W: number[][] }>;
  for (let nv = 1; nv <= 20; nv++) {
    const e = ref[String(nv)]!;
    const ae = new Autoencoder(nv, e.n_hidden, 0.1);
    assert.deepEqual(Array.from(ae.W), e.W.flat(), `n_visible ${nv}`);
  }
});

for (const [name, fmGrace] of [['tor', 500], ['lab-mixed', 5000]] as const) {
  test(`feature map learned from ${name}'s first ${fmGrace + 1} vectors equals the reference's`, (t) => {
    if (!needShared(t)) return;
    const xs = loadVectors(name);
    const c = new CorClust(100);
    for (let i = 0; i <= fmGrace; i++) c.update(xs[i]!);
    const ref = JSON.parse(readFileSync(join(KITSUNE, `${name}.featuremap.json`), 'utf8')) as number[][];
    assert.deepEqual(c.cluster(10), ref);
  });
}

test('tor: RMSE of every executed frame within 1e-6 of the reference; Spearman ≥ 0.999', (t) => {
  if (!needShared(t)) return;
  const xs = loadVectors('tor');
  const ref = gunzipLines(join(KITSUNE, 'tor.rmse.csv.gz')).slice(1).map((l) => Number(l.split(',')[1]));
  const map = JSON.parse(readFileSync(join(KITSUNE, 'tor.featuremap.json'), 'utf8')) as number[][];
  assert.equal(xs.length, 3859);
  for (const featureMap of [map, null]) {
    const k = new KitNET({ n: 100, maxAE: 10, fmGrace: 500, adGrace: 1500, lr: 0.1, hiddenRatio: 0.75, featureMap });
    const ours: number[] = [];
    const theirs: number[] = [];
    let within = 0;
    for (let i = 0; i < xs.length; i++) {
      const s = k.process(xs[i]!);
      if (i <= 2000) {
        assert.equal(s, 0);
        assert.equal(ref[i], 0);
        continue;
      }
      ours.push(s);
      theirs.push(ref[i]!);
      if (Math.abs(s - ref[i]!) <= 1e-6 * Math.abs(ref[i]!)) within++;
    }
    assert.equal(ours.length, 1858);
    assert.ok(within / ours.length >= 0.99, `${within} of ${ours.length} within 1e-6`);
    assert.ok(spearman(ours, theirs) >= 0.999);
    assert.deepEqual(k.map, map);
  }
});

test('model save/load: a reloaded model scores exactly as the original', (t) => {
  if (!needShared(t)) return;
  const xs = loadVectors('tor');
  const k = new KitNET({ n: 100, maxAE: 10, fmGrace: 500, adGrace: 1500, lr: 0.1, hiddenRatio: 0.75 });
  for (let i = 0; i <= 2001; i++) k.process(xs[i]!);
  assert.equal(k.executing, true);
  const threshold = { mu: -3, sigma: 0.5, p: 1e-4, value: Math.exp(-3 + 0.5 * normalQuantile(1 - 1e-4)) };
  const json = modelToJson({ layout: 'kitsune100', kitnet: k, threshold });
  const m = modelFromJson(json, 'test');
  assert.deepEqual(m.threshold, threshold);
  for (let i = 2002; i < xs.length; i++) assert.equal(m.kitnet.process(xs[i]!), k.process(xs[i]!));
  assert.throws(() => modelFromJson('{"format":"wirewatch-kitsune","version":1}', 'bad.json'), /bad\.json: not a wirewatch-kitsune v1 model: layout/);
  assert.throws(() => modelFromJson('nope', 'x.json'), /x\.json: not JSON/);
  const broken = JSON.parse(json) as { kitnet: { map: number[][] } };
  broken.kitnet.map[0]![0] = 100;
  assert.throws(() => modelFromJson(JSON.stringify(broken), 'm.json'), /feature index 100 outside 0\.\.99/);
});

test('log-normal threshold: quantile of the fitted distribution', () => {
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959963985) < 1e-8);
  assert.ok(Math.abs(normalQuantile(1e-4) + 3.719016485) < 1e-7);
  // Scores e^-2 and e^0 → mu −1, sigma 1.
  const thr = logNormalThreshold([Math.exp(-2), 1, Math.exp(-2), 1], 0.025);
  assert.ok(Math.abs(thr.mu + 1) < 1e-12 && Math.abs(thr.sigma - 1) < 1e-12);
  assert.ok(Math.abs(thr.value - Math.exp(-1 + 1.959963985)) < 1e-7);
  assert.throws(() => logNormalThreshold([0, 0], 0.01), /only 0 positive/);
});
