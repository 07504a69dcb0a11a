/**
 * Evaluates the prototype's DNS heuristics and the trigram scorer on
 * ../shared/datasets/dns/ (test fold of the split by registered domain, see
 * dns-split.ts) and writes the "## DNS" section of docs/evaluation.md,
 * leaving the other sections of that file untouched.
 *
 *   node dist/scripts/eval-dns.js [--data DIR] [--model FILE] [--doc FILE] [--print]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDetectConfig } from '../src/detect/config.js';
import { DnsModel } from '../src/detect/dns-model.js';
import { prototypeDnsReason } from '../src/detect/dns-rules.js';
import { SPLIT_DESCRIPTION, type Labelled, foldOf, readDataset } from './dns-split.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve('..', 'shared', 'datasets', 'dns') },
    model: { type: 'string', default: resolve('data', 'dns-model.json') },
    doc: { type: 'string', default: resolve('docs', 'evaluation.md') },
    print: { type: 'boolean', default: false },
  },
});

const cfg = defaultDetectConfig();
const model = DnsModel.fromFile(values.model!);
const { benign, dga } = readDataset(values.data!);
const test = [...benign, ...dga].filter((x) => foldOf(x.name) === 'test');

interface Metrics {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}
const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(2)} %` : 'n/a');
function measure(items: Labelled[], flag: (name: string) => boolean): Metrics {
  const m = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const it of items) {
    const f = flag(it.name);
    if (it.dga) f ? m.tp++ : m.fn++;
    else f ? m.fp++ : m.tn++;
  }
  return m;
}
const precision = (m: Metrics): number => m.tp / (m.tp + m.fp);
const recall = (m: Metrics): number => m.tp / (m.tp + m.fn);
const fpr = (m: Metrics): number => m.fp / (m.fp + m.tn);

const rules: Array<[string, (n: string) => boolean]> = [
  ['prototype (any of the 3 heuristics)', (n) => prototypeDnsReason(n, cfg.dns.prototype) !== null],
  ['prototype: label >= 10 chars with <= 2 vowels', (n) => prototypeDnsReason(n, { ...cfg.dns.prototype, suffixes: [], maxNameLength: 1e9 }) !== null],
  ['prototype: ends in .xyz', (n) => n.endsWith('.xyz')],
  ['prototype: name longer than 20', (n) => n.length > 20],
  [`scorer (trigram model, per-length thresholds)`, (n) => model.isDga(n)],
];

const rows = rules.map(([label, f]) => {
  const m = measure(test, f);
  return `| ${label} | ${pct(precision(m))} | ${pct(recall(m))} | ${pct(fpr(m))} | ${m.tp} | ${m.fp} | ${m.tn} | ${m.fn} |`;
});

const families = [...new Set(dga.map((d) => d.family))].sort();
const famRows = families.map((fam) => {
  const items = test.filter((x) => x.family === fam);
  const p = measure(items, rules[0]![1]);
  const s = measure(items, rules[4]![1]);
  return `| ${fam} | ${items.length} | ${pct(recall(p))} | ${pct(recall(s))} |`;
});

const nBenign = test.filter((x) => !x.dga).length;
const nDga = test.length - nBenign;
const section = `## DNS

Made by \`node dist/scripts/eval-dns.js\` (do not edit by hand). Data: \`../shared/datasets/dns/\` (benign: Tranco
top-50k registrable domains; DGA: 20 families). Split by registered domain, never by line: ${SPLIT_DESCRIPTION}.
The model (\`data/dns-model.json\`, made by \`node dist/scripts/train-dns-model.js\`) was trained on the benign
train and calibration folds only; its per-length thresholds come from 5-fold out-of-fold scores of those names, set for
a ${(JSON.parse(readFileSync(values.model!, 'utf8')) as { calibration: { targetFpr: number } }).calibration.targetFpr * 100} % false-positive rate. No DGA name was used for training or calibration.
Below: the test fold only (${nBenign} benign, ${nDga} DGA names). A name counts as flagged when the rule fires on it.
Benign names are a top list, so a false-positive count is an upper bound (see the dataset README).

| rule | precision | recall | FPR | TP | FP | TN | FN |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

Recall per DGA family (test fold):

| family | names | prototype | scorer |
| --- | ---: | ---: | ---: |
${famRows.join('\n')}

The scorer judges the label left of the public suffix (private suffixes such as \`ddns.net\` included, so
dynamic-DNS children are scored); labels shorter than ${model.minLabelLength} characters and IDNs (\`xn--\`) are not
scored. Dictionary DGAs (gozi, suppobox) look like benign words to a character model, which is why their recall
stays low; tunnelling and NXDOMAIN bursts are detected from traffic, not from names (see docs/detection.md).
`;

if (values.print) console.log(section);
const doc = values.doc!;
let text = existsSync(doc) ? readFileSync(doc, 'utf8') : '# Evaluation\n\n';
const start = text.search(/^## DNS\s*$/m);
if (start >= 0) {
  const rest = text.slice(start + 6);
  const next = rest.search(/^## /m);
  text = text.slice(0, start) + section + (next >= 0 ? '\n' + rest.slice(next) : '');
} else {
  text = text.trimEnd() + '\n\n' + section;
}
writeFileSync(doc, text);
console.log(rows.join('\n'));
console.log(`wrote the DNS section of ${doc}`);
