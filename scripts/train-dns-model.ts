/**
 * Trains the DNS name model shipped as data/dns-model.json from the benign
 * list in ../shared/datasets/dns/. Only the train and calibration folds are
 * used (split by registered domain, see dns-split.ts); the test fold is left
 * for scripts/eval-dns.ts. The trigram table is trained on train+calibration;
 * the per-length thresholds come from out-of-fold scores (5-fold cross-fit),
 * so they reflect names the model has not seen.
 *
 *   node dist/scripts/train-dns-model.js [--data DIR] [--out FILE] [--fpr 0.01] [--min-label 7]
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DnsModel, type DnsModelFile, TrigramCounts, domainBucket, registeredDomain, scoredLabel } from '../src/detect/dns-model.js';
import { SPLIT_DESCRIPTION, foldOf, readDataset } from './dns-split.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve('..', 'shared', 'datasets', 'dns') },
    out: { type: 'string', default: resolve('data', 'dns-model.json') },
    fpr: { type: 'string', default: '0.01' },
    'min-label': { type: 'string', default: '7' },
  },
});
const targetFpr = Number(values.fpr);
const minLabel = Number(values['min-label']);
if (!(targetFpr > 0 && targetFpr < 1)) throw new Error(`--fpr must be in (0,1), got ${values.fpr}`);
if (!(Number.isInteger(minLabel) && minLabel >= 1)) throw new Error(`--min-label must be a positive integer, got ${values['min-label']}`);
/** Label lengths >= this share the last threshold. */
const MAX_LEN_BUCKET = 20;
const K = 5;

const { benign, benignSha } = readDataset(values.data!);
const labels: Array<{ label: string; k: number }> = [];
for (const { name } of benign) {
  if (foldOf(name) === 'test') continue;
  const label = scoredLabel(name);
  if (label !== null) labels.push({ label, k: domainBucket(registeredDomain(name)) % K });
}

// Out-of-fold scores: each name scored by a model that never saw it.
const oof: Array<{ len: number; score: number }> = [];
for (let k = 0; k < K; k++) {
  const c = new TrigramCounts();
  for (const x of labels) if (x.k !== k) c.add(x.label);
  const m = new DnsModel(c.toLogTable(), minLabel, [Infinity]);
  for (const x of labels) {
    if (x.k === k && x.label.length >= minLabel && !x.label.startsWith('xn--')) oof.push({ len: x.label.length, score: m.scoreLabel(x.label) });
  }
}

// Per-length quantile at 1 - targetFpr; sparse lengths borrow from their neighbours until 400 names are pooled.
const thresholds: number[] = [];
for (let len = 0; len <= MAX_LEN_BUCKET; len++) {
  if (len < minLabel) {
    thresholds.push(Infinity);
    continue;
  }
  let lo = len;
  let hi = len === MAX_LEN_BUCKET ? 255 : len;
  const pick = (): number[] => oof.filter((o) => o.len >= lo && o.len <= hi).map((o) => o.score);
  let pool = pick();
  while (pool.length < 400 && (lo > minLabel || hi < 255)) {
    lo = Math.max(minLabel, lo - 1);
    hi = Math.min(255, hi + 1);
    pool = pick();
  }
  pool.sort((a, b) => a - b);
  const q = pool[Math.min(pool.length - 1, Math.floor(pool.length * (1 - targetFpr)))]!;
  thresholds.push(Number((q + 0.001).toFixed(3)));
}
// Longer labels carry more evidence per character, so their cut never rises with length (running minimum);
// without this the rare long benign names (hash-like CDN and tracker names) would set a lax cut for all long labels.
for (let len = minLabel + 1; len <= MAX_LEN_BUCKET; len++) thresholds[len] = Math.min(thresholds[len]!, thresholds[len - 1]!);
const finite = thresholds.map((t) => (Number.isFinite(t) ? t : 99));

const counts = new TrigramCounts();
for (const x of labels) counts.add(x.label);
const table = counts.toLogTable();
const model = new DnsModel(table, minLabel, finite);
const achieved = oof.filter((o) => o.score >= model.thresholdFor(o.len)).length / oof.length;

const file: DnsModelFile = {
  format: 'wirewatch-dns-trigram',
  version: 1,
  alphabet: DnsModel.alphabet,
  scale: DnsModel.scale,
  logp: DnsModel.encodeTable(table),
  minLabelLength: minLabel,
  threshold: model.threshold,
  thresholds: finite,
  calibration: { targetFpr, calibrationNames: oof.length, achievedFpr: Math.round(achieved * 1e5) / 1e5 },
  training: { file: 'shared/datasets/dns/benign.txt', sha256: benignSha, names: counts.names, split: SPLIT_DESCRIPTION },
};
writeFileSync(values.out!, JSON.stringify(file) + '\n');
console.log(
  `trained on ${counts.names} names; per-length thresholds ${finite.slice(minLabel).join(' ')} bits/char; ` +
    `out-of-fold FPR ${(achieved * 100).toFixed(2)}% over ${oof.length} scorable names -> ${values.out}`,
);
