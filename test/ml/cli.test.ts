/**
 * The CLI surface: `read --ml kitsune` (scores file, model save and reload,
 * alerts on the bus's EVE output), `features` export, and clear usage errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusFile, needShared, ROOT } from '../helpers/env.js';
import { gunzipLines, KITSUNE } from './reference.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

function run(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('read --ml kitsune: scores per frame, model saved, then reloaded without training', (t) => {
  if (!needShared(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'ww-ml-'));
  try {
    const pcap = corpusFile('nfstream/tor.pcap');
    const scores = join(dir, 's.csv');
    const model = join(dir, 'm.json');
    const alerts = join(dir, 'alerts.jsonl');
    const r1 = run(['read', pcap, '-q', '--ml', 'kitsune', '--fm-grace', '500', '--ad-grace', '1500', '--scores', scores, '--model', model, '--alerts', alerts]);
    assert.equal(r1.status, 0, r1.stderr);
    const rows = readFileSync(scores, 'utf8').trim().split('\n');
    assert.equal(rows[0], 'frame,score');
    assert.equal(rows.length, 3860);
    assert.equal(rows[2001], '2001,0');
    assert.ok(Number(rows[2002]!.split(',')[1]) > 0);
    assert.ok(existsSync(model));
    assert.match(r1.stderr, /kitsune: trained on 2001 packets, \d+ autoencoders, alert threshold/);
    // Reloaded: no training, every frame scored.
    const scores2 = join(dir, 's2.csv');
    const r2 = run(['read', pcap, '-q', '--ml', 'kitsune', '--model', model, '--scores', scores2, '--alerts', alerts]);
    assert.equal(r2.status, 0, r2.stderr);
    assert.match(r2.stderr, /loaded model/);
    const rows2 = readFileSync(scores2, 'utf8').trim().split('\n');
    assert.equal(rows2.length, 3860);
    assert.ok(rows2.slice(1).every((l) => Number(l.split(',')[1]) > 0));
    const recs = readFileSync(alerts, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const k = recs.filter((a) => (a.alert as { signature: string }).signature === 'Kitsune anomaly');
    assert.ok(k.length > 0, 'tor scores reach 1e7 after training, so some frames alert');
    const w = k[0]!.wirewatch as { score: number; threshold: number; top_groups: { group: string }[] };
    assert.ok(w.score > w.threshold);
    assert.equal(w.top_groups.length, 3);
    // Suppression: at most one published alert per source per 60 s of packet time.
    const perSrc = new Map<string, number>();
    for (const a of k) perSrc.set(String(a.src_ip), (perSrc.get(String(a.src_ip)) ?? 0) + 1);
    assert.ok([...perSrc.values()].every((n) => n <= 616 / 60 + 1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('features: CSV per packet with the reference header; first rows equal Kitsune-py', (t) => {
  if (!needShared(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'ww-feat-'));
  try {
    const out = join(dir, 'f.csv');
    const r = run(['features', corpusFile('nfstream/tor.pcap'), '--kind', 'kitsune', '-o', out, '--exact']);
    assert.equal(r.status, 0, r.stderr);
    const ours = readFileSync(out, 'utf8').trim().split('\n');
    const ref = gunzipLines(join(KITSUNE, 'tor.features.csv.gz'));
    assert.equal(ours.length, ref.length);
    assert.equal(ours[0], ref[0]);
    // The first 50 frames involve no cancellation: equal to 1e-12 relative.
    for (let i = 1; i <= 50; i++) {
      const a = ours[i]!.split(',').map(Number);
      const b = ref[i]!.split(',').map(Number);
      for (let j = 0; j < a.length; j++) assert.ok(Math.abs(a[j]! - b[j]!) <= 1e-12 * Math.max(1, Math.abs(b[j]!)), `frame ${i} col ${j}`);
    }
    const p = run(['features', corpusFile('nfstream/tor.pcap'), '--layout', 'paper115', '-o', out]);
    assert.equal(p.status, 0, p.stderr);
    const head = readFileSync(out, 'utf8').split('\n', 1)[0]!.split(',');
    assert.equal(head.length, 116);
    assert.equal(head[1], 'MI_dir_L5_weight');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage errors name the option and the accepted values', (t) => {
  if (!needShared(t)) return;
  const pcap = corpusFile('nfstream/tor.pcap');
  const bad = run(['read', pcap, '-q', '--ml', 'kitsun']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown detector "kitsun" \(use kitsune, volume/);
  const grace = run(['read', pcap, '-q', '--ml', 'kitsune', '--fm-grace', '-5']);
  assert.equal(grace.status, 2);
  assert.match(grace.stderr, /--fm-grace/);
  const lonely = run(['read', pcap, '-q', '--max-ae', '5']);
  assert.equal(lonely.status, 2);
  assert.match(lonely.stderr, /need --ml kitsune/);
  const dir = mkdtempSync(join(tmpdir(), 'ww-badmodel-'));
  try {
    const m = join(dir, 'm.json');
    writeFileSync(m, '{"format":"something-else"}');
    const r = run(['read', pcap, '-q', '--ml', 'kitsune', '--model', m]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--model .*m\.json: not a wirewatch-kitsune v1 model/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
