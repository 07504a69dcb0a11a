/**
 * Our flows with the `zeek` timeout preset against Zeek's conn.log
 * baselines in the corpus: same 5-tuple, orig/resp packets and IP bytes;
 * and Zeek's TCP history strings where the baseline only lists those.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CORPUS, needShared, ROOT } from '../helpers/env.js';
import { flowsOf } from '../../src/flow/analyze.js';
import type { FlowRecord } from '../../src/flow/record.js';

function connLogs(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) connLogs(p, out);
    else if (n.endsWith('.zeek-conn.log')) out.push(p);
  }
  return out.sort();
}

function captureOf(log: string): string | null {
  const base = log.replace(/\.zeek-conn\.log$/, '');
  return ['.pcap', '.pcapng', '.cap'].map((e) => base + e).find((p) => existsSync(p)) ?? null;
}

type Row = Record<string, string>;
function parseLog(text: string): { fields: string[]; rows: Row[] } {
  const lines = text.split('\n');
  const fl = lines.find((l) => l.startsWith('#fields'));
  // Some baselines are a custom print: a plain header line ("uid\tservice\thistory").
  const fields = fl !== undefined ? fl.split('\t').slice(1) : (lines[1] ?? '').split('\t');
  const body = fl !== undefined ? lines.filter((l) => l !== '' && !l.startsWith('#')) : lines.slice(2).filter((l) => l !== '');
  return { fields, rows: body.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [fields[i]!, v]))) };
}

function matches(r: FlowRecord, z: Row): boolean {
  // Zeek names TCP, UDP and ICMP; every other IP protocol is "unknown_transport" (non-IP flows, "0x...", never match).
  const lower = r.proto === 'IPv6-ICMP' ? 'icmp' : r.proto.toLowerCase();
  const proto = lower === 'tcp' || lower === 'udp' || lower === 'icmp' || lower.startsWith('0x') ? lower : 'unknown_transport';
  if (proto !== z.proto) return false;
  const ports = proto === 'tcp' || proto === 'udp';
  const fwdIsOrig = r.src_ip === z['id.orig_h'] && r.dest_ip === z['id.resp_h'] && (!ports || (String(r.src_port) === z['id.orig_p'] && String(r.dest_port) === z['id.resp_p']));
  const bwdIsOrig = r.dest_ip === z['id.orig_h'] && r.src_ip === z['id.resp_h'] && (!ports || (String(r.dest_port) === z['id.orig_p'] && String(r.src_port) === z['id.resp_p']));
  if (!fwdIsOrig && !bwdIsOrig) return false;
  const f = r.features;
  const [op, ob, rp, rb] = fwdIsOrig
    ? [r.flow.pkts_toserver, f.fwd_ip_bytes, r.flow.pkts_toclient, f.bwd_ip_bytes]
    : [r.flow.pkts_toclient, f.bwd_ip_bytes, r.flow.pkts_toserver, f.fwd_ip_bytes];
  return String(op) === z.orig_pkts && String(ob) === z.orig_ip_bytes && String(rp) === z.resp_pkts && String(rb) === z.resp_ip_bytes;
}

test('flows match Zeek conn.log connections (5-tuple, orig/resp packets and IP bytes)', async (t) => {
  if (!needShared(t)) return;
  const fixture = JSON.parse(readFileSync(join(ROOT, 'test', 'flow', 'zeek-differences.json'), 'utf8')) as {
    excluded_baselines: Record<string, string>;
    connections: Record<string, string>;
  };
  const explained = fixture.connections;
  let excludedRows = 0;
  let total = 0;
  let ok = 0;
  const unexplained: string[] = [];
  const stale: string[] = [];
  for (const log of connLogs(CORPUS)) {
    const { fields, rows } = parseLog(readFileSync(log, 'utf8'));
    if (!fields.includes('orig_ip_bytes')) continue;
    const cap = captureOf(log);
    assert.ok(cap !== null, `no capture beside ${log}`);
    const recs = await flowsOf(cap, 'zeek');
    if (relative(CORPUS, log) in fixture.excluded_baselines) {
      // Only a baseline that cannot come from this capture may be left out.
      assert.equal(recs.length, 0, `${log} is excluded but its capture has flows`);
      assert.ok(rows.length > 0);
      excludedRows += rows.length;
      continue;
    }
    for (const z of rows) {
      total++;
      const key = `${relative(CORPUS, log)}|${z.proto}|${z['id.orig_h']}|${z['id.orig_p']}|${z['id.resp_h']}|${z['id.resp_p']}`;
      const good = recs.some((r) => matches(r, z));
      if (good) ok++;
      if (key in explained) {
        if (good) stale.push(key);
      } else if (!good) unexplained.push(`${key}: zeek ${z.orig_pkts}/${z.orig_ip_bytes} ${z.resp_pkts}/${z.resp_ip_bytes}`);
    }
  }
  t.diagnostic(
    `${ok}/${total} Zeek connections matched (${((ok / total) * 100).toFixed(1)}%), ${Object.keys(explained).length} explained differences, ${excludedRows} connections of excluded baselines`,
  );
  assert.deepEqual(unexplained, [], 'differences not explained in zeek-differences.json');
  assert.deepEqual(stale, [], 'connections listed in zeek-differences.json that now match: remove them');
  assert.ok(total >= 60);
});

test('TCP history strings equal Zeek\'s for every connection of the history-only baselines', async (t) => {
  if (!needShared(t)) return;
  for (const rel of ['zeek/ssh/ssh', 'zeek/ftp/ipv6']) {
    const { fields, rows } = parseLog(readFileSync(join(CORPUS, rel + '.zeek-conn.log'), 'utf8'));
    assert.ok(fields.includes('history'));
    const ours = (await flowsOf(join(CORPUS, rel + '.pcap'), 'zeek')).map((r) => r.features.tcp_history as string);
    // Each Zeek connection needs a distinct flow of ours with the same history.
    for (const z of rows) {
      const i = ours.indexOf(z.history!);
      assert.ok(i >= 0, `${rel}: no flow with Zeek history ${z.history} (ours: ${ours.join(' ')})`);
      ours.splice(i, 1);
    }
  }
});
