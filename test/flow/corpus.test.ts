/**
 * Flows on every corpus capture: per-5-tuple packet and byte totals equal
 * tshark's conversation statistics (precomputed fixture, re-checked live on
 * a few files), and invariants hold on every flow and CSV row.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS, haveShared, needShared, needTool, ROOT } from '../helpers/env.js';
import { analyzeFile } from '../../src/flow/analyze.js';
import type { FlowRecord } from '../../src/flow/record.js';
import { csvRow } from '../../src/flow/writer.js';
import { CIC_FEATURE_KEYS } from '../../src/flow/columns.js';
import { aggregate, compareConv, corpusCaptures, tsharkConv, type Conv } from './conv.js';

const FIXTURE = join(ROOT, 'test', 'flow', 'fixtures', 'tshark-conv.json');
const DIFFS = join(ROOT, 'test', 'flow', 'tshark-differences.json');
const byFile = new Map<string, FlowRecord[]>();

before(async () => {
  if (!haveShared()) return;
  for (const f of corpusCaptures(CORPUS)) {
    const recs: FlowRecord[] = [];
    await analyzeFile(join(CORPUS, f), (r) => recs.push(r));
    byFile.set(f, recs);
  }
});

test('per-flow totals equal tshark conv,tcp / conv,udp on every corpus capture', (t) => {
  if (!needShared(t)) return;
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { files: Record<string, Conv[]> };
  const explained = (JSON.parse(readFileSync(DIFFS, 'utf8')) as { files: Record<string, string> }).files;
  let entries = 0;
  let agree = 0;
  const unexplained: string[] = [];
  const stale: string[] = [];
  for (const [f, recs] of byFile) {
    const convs = fixture.files[f];
    assert.ok(convs !== undefined, `${f} missing from ${FIXTURE}: regenerate it (test/flow/tools/make-tshark-conv.ts)`);
    const diffs = compareConv(convs, aggregate(recs));
    entries += convs.length * 2;
    agree += convs.length * 2 - diffs.length;
    if (f in explained) {
      if (diffs.length === 0) stale.push(f);
    } else if (diffs.length > 0) unexplained.push(`${f}:\n  ${diffs.slice(0, 5).join('\n  ')}`);
  }
  t.diagnostic(`${byFile.size} captures, ${agree}/${entries} directional conversations agree (${((agree / entries) * 100).toFixed(2)}%), ${Object.keys(explained).length} files with explained differences`);
  assert.deepEqual(unexplained, [], 'differences not explained in tshark-differences.json');
  assert.deepEqual(stale, [], 'files listed in tshark-differences.json that now agree: remove them');
});

test('the tshark fixture matches a live tshark run', (t) => {
  if (!needShared(t) || !needTool(t, 'tshark')) return;
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { files: Record<string, Conv[]> };
  for (const f of ['zeek/ssh/ssh.pcap', 'zeek/ftp/ipv6.pcap', 'arkime/dns-tcp.pcap']) {
    assert.deepEqual(tsharkConv(join(CORPUS, f)), fixture.files[f], f);
  }
});

/** [max, min, mean, std] column groups of the CIC features. */
const GROUPS: [string, string, string, string][] = [
  ['fwd_packet_length_max', 'fwd_packet_length_min', 'fwd_packet_length_mean', 'fwd_packet_length_std'],
  ['bwd_packet_length_max', 'bwd_packet_length_min', 'bwd_packet_length_mean', 'bwd_packet_length_std'],
  ['flow_iat_max', 'flow_iat_min', 'flow_iat_mean', 'flow_iat_std'],
  ['fwd_iat_max', 'fwd_iat_min', 'fwd_iat_mean', 'fwd_iat_std'],
  ['bwd_iat_max', 'bwd_iat_min', 'bwd_iat_mean', 'bwd_iat_std'],
  ['packet_length_max', 'packet_length_min', 'packet_length_mean', 'packet_length_std'],
  ['active_max', 'active_min', 'active_mean', 'active_std'],
  ['idle_max', 'idle_min', 'idle_mean', 'idle_std'],
];

test('invariants on every corpus flow: fwd + bwd = total, min <= mean <= max, std >= 0, no NaN/Infinity', (t) => {
  if (!needShared(t)) return;
  let flows = 0;
  for (const [f, recs] of byFile) {
    for (const r of recs) {
      flows++;
      const x = r.features;
      const n = (k: string): number => x[k] as number;
      const where = `${f} flow ${r.flow_id}`;
      assert.equal(n('total_fwd_packet') + n('total_bwd_packets'), r.flow.pkts_toserver + r.flow.pkts_toclient, where);
      const total = n('total_length_of_fwd_packet') + n('total_length_of_bwd_packet');
      const allN = n('total_fwd_packet') + n('total_bwd_packets');
      assert.ok(Math.abs(n('packet_length_mean') * allN - total) <= 1e-6 * Math.max(1, total), `${where}: mean × packets = total length`);
      assert.ok(n('fwd_wire_bytes') + n('bwd_wire_bytes') === r.flow.bytes_toserver + r.flow.bytes_toclient, where);
      assert.ok(n('flow_duration') >= 0, where);
      for (const [mx, mn, mean, std] of GROUPS) {
        const eps = 1e-9 * Math.max(1, Math.abs(n(mx)));
        assert.ok(n(mn) <= n(mean) + eps && n(mean) <= n(mx) + eps, `${where}: ${mn} <= ${mean} <= ${mx}`);
        assert.ok(n(std) >= 0, `${where}: ${std} >= 0`);
      }
      for (const k of CIC_FEATURE_KEYS) assert.ok(Number.isFinite(n(k)), `${where}: ${k} = ${n(k)}`);
      const row = csvRow(r, 'NeedManualLabel');
      assert.ok(!/(^|,)(NaN|-?Infinity)(,|$)/.test(row), `${where}: NaN/Infinity in CSV`);
    }
  }
  t.diagnostic(`${flows} flows checked in ${byFile.size} captures`);
  assert.ok(flows > 1000);
});
