/**
 * End to end on the labelled lab capture (../shared/datasets/lab): our reader,
 * decoder, AfterImage and KitNET with Kitsune-py's parameters (maxAE 10,
 * FMgrace 5,000, ADgrace 50,000), scored as the reference's ks_eval.py does;
 * and the EWMA volume detector against the flood windows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATASETS, needShared } from '../helpers/env.js';
import { EventBus } from '../../src/events.js';
import { openCaptureFile } from '../../src/capture/open.js';
import { Pipeline } from '../../src/pipeline.js';
import { rocAuc, splitByLabel, tprAtFpr } from '../../src/detect/ml/evaluate.js';
import { DEFAULT_KITNET } from '../../src/detect/ml/kitnet.js';
import { parseLabels, scoreCapture } from '../../src/detect/ml/offline.js';
import { DEFAULT_BOUNDS } from '../../src/detect/ml/streams.js';
import { DEFAULT_VOLUME, VolumeStage } from '../../src/detect/ml/volume.js';
import type { EventRecord } from '../../src/pipeline.js';

const LAB = join(DATASETS, 'lab');
const PCAP = join(LAB, 'lab-mixed.pcap');
/** Kitsune-py on the same data with the same parameters (shared/datasets/kitsune/README.md). */
const REF_AUC = 0.9505;
const REF_TPR_01 = 0.327;
const REF_TPR_1 = 0.43;
const FIRST_SCORED = 55002;

test('lab-mixed: ROC AUC within 0.01 of Kitsune-py (reference-like bounds), improved with the default bounds', async (t) => {
  if (!needShared(t)) return;
  const labels = parseLabels(readFileSync(join(LAB, 'lab-mixed.labels.csv'), 'utf8'), 'labels');
  // Reference-like: generous link lists and slow pruning change almost nothing the reference keeps.
  const refLike = await scoreCapture(PCAP, {
    layout: 'kitsune100',
    bounds: { ...DEFAULT_BOUNDS, maxLinksPerStream: 64, pruneLambda: 0.1, pruneWeight: 0.1 },
    kitnet: { ...DEFAULT_KITNET },
  });
  assert.equal(refLike.packets, 124593);
  for (let f = 1; f < FIRST_SCORED; f++) assert.equal(refLike.scores[f], 0, `frame ${f} is a training frame`);
  const a = splitByLabel(refLike.scores, labels, FIRST_SCORED);
  assert.equal(a.pos.length, 27845);
  assert.equal(a.neg.length, 41747);
  const aucRef = rocAuc(a.pos, a.neg);
  assert.ok(Math.abs(aucRef - REF_AUC) <= 0.01, `AUC ${aucRef}`);
  assert.ok(Math.abs(tprAtFpr(a.pos, a.neg, 0.01).tpr - REF_TPR_1) < 0.05);
  // Default bounds prune links and streams ~2 s after they go quiet: better separation.
  const improved = await scoreCapture(PCAP, { layout: 'kitsune100', bounds: DEFAULT_BOUNDS, kitnet: { ...DEFAULT_KITNET } });
  const b = splitByLabel(improved.scores, labels, FIRST_SCORED);
  const aucImp = rocAuc(b.pos, b.neg);
  assert.ok(aucImp > REF_AUC + 0.01, `improved AUC ${aucImp}`);
  assert.ok(tprAtFpr(b.pos, b.neg, 0.001).tpr > REF_TPR_01);
  assert.ok(tprAtFpr(b.pos, b.neg, 0.01).tpr > REF_TPR_1);
  assert.ok(improved.state.links < 1000, `links held ${improved.state.links}`);
});

test('EWMA volume detector flags the three hping floods; benign-phase spikes are volume-only', async (t) => {
  if (!needShared(t)) return;
  const windows = readFileSync(join(LAB, 'lab-mixed.attacks.csv'), 'utf8').trim().split('\n').slice(1).map((l) => {
    const c = l.split(',');
    return { name: c[0]!, start: Math.floor(Number(c[1])), end: Math.floor(Number(c[2])) };
  });
  const bus = new EventBus();
  const alerts: EventRecord[] = [];
  bus.on('alert', (r) => alerts.push(r));
  const stage = new VolumeStage({ bus, ...DEFAULT_VOLUME });
  await new Pipeline(await openCaptureFile(PCAP), [stage]).run();
  const attackStart = windows[0]!.start;
  // The benign phase has 2 MB downloads and iperf bursts: real volume spikes, but never a burst of new flows.
  const benign = stage.spikes.filter((s) => s.second < attackStart);
  assert.deepEqual(benign.filter((s) => s.metric === 'new_flows' || s.metric === 'distinct_destinations'), []);
  assert.ok(benign.length <= 20, `${benign.length} benign-phase spikes`);
  const expect: Record<string, string[]> = {
    'hping-syn-flood': ['packets', 'new_flows', 'small_packets'],
    'hping-udp-flood': ['new_flows', 'small_packets'],
    'hping-icmp-flood': ['small_packets'],
  };
  for (const [name, metrics] of Object.entries(expect)) {
    const w = windows.find((x) => x.name === name)!;
    const seen = new Set(stage.spikes.filter((s) => s.second >= w.start && s.second <= w.end).map((s) => s.metric));
    for (const m of metrics) assert.ok(seen.has(m as never), `${name}: ${m} spike (saw ${[...seen].join(', ')})`);
  }
  // Published as EVE alerts naming the top talkers, suppressed per metric with a count.
  const published = alerts as unknown as { alert: { signature: string }; wirewatch: { detector: string }; src_ip: string; timestamp: string }[];
  assert.equal(published.length, stage.alertsPublished);
  assert.ok(published.length > 0 && published.length < stage.spikes.length);
  const syn = published.find((a) => a.alert.signature === 'Volume spike: new flows per second' && a.timestamp >= '2026-11-27T05:03:07');
  assert.ok(syn !== undefined);
  assert.equal(syn.wirewatch.detector, 'volume');
  assert.equal(syn.src_ip, '198.18.0.3');
});
