/**
 * The monitoring stage against tshark on the same corpus captures: totals and
 * per-protocol counts (`-z io,phs`), top talkers (`-z endpoints,ip`),
 * handshake RTT (`tcp.analysis.initial_rtt`, within 1 µs) and retransmissions
 * (`tcp.analysis.retransmission`, within 5%).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { openCaptureFile } from '../../src/capture/open.js';
import { Pipeline } from '../../src/pipeline.js';
import { MonitorStage, addrLabel } from '../../src/monitor/monitor-stage.js';
import { corpusFile, needShared, needTool } from '../helpers/env.js';

const FILES = [
  'pcapplusplus/many-protocols.pcap',
  'pcapplusplus/tls2.pcap',
  'zeek/ssh/ssh.pcap',
  'tcpdump/dns_tcp.pcap',
  'zeek/tcp/handshake-reorder.pcap',
  'ndpi/1kxun.pcap',
];

function tshark(args: string[]): string {
  return execFileSync('tshark', ['-n', ...args], { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
}

async function monitorOf(path: string): Promise<{ m: MonitorStage; irtts: number[] }> {
  const m = new MonitorStage(null, { topCapacity: 100_000 });
  const irtts: number[] = [];
  m.tcp.onRtt = (kind, v) => {
    if (kind === 'handshake') irtts.push(v);
  };
  await new Pipeline(await openCaptureFile(path), [m]).run();
  return { m, irtts };
}

interface PhsNode {
  name: string;
  frames: number;
  bytes: number;
  path: string[];
}

function parsePhs(text: string): PhsNode[] {
  const nodes: PhsNode[] = [];
  const stack: { depth: number; name: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\s*)(\S+)\s+frames:(\d+)\s+bytes:(\d+)/.exec(line);
    if (m === null) continue;
    const depth = m[1]!.length / 2;
    while (stack.length > 0 && stack[stack.length - 1]!.depth >= depth) stack.pop();
    nodes.push({ name: m[2]!, frames: Number(m[3]), bytes: Number(m[4]), path: stack.map((s) => s.name) });
    stack.push({ depth, name: m[2]! });
  }
  return nodes;
}

/** Frames whose first protocol out of `set` along the dissection path is `name` (disjoint classes, as the monitor counts them). */
function firstOf(nodes: PhsNode[], set: Set<string>, name: string): { frames: number; bytes: number } {
  let frames = 0;
  let bytes = 0;
  for (const n of nodes) {
    if (n.name !== name || n.path.some((p) => set.has(p))) continue;
    frames += n.frames;
    bytes += n.bytes;
  }
  return { frames, bytes };
}

for (const rel of FILES) {
  test(`monitor vs tshark: ${rel}`, async (t) => {
    if (!needShared(t) || !needTool(t, 'tshark')) return;
    const path = corpusFile(rel);
    const { m, irtts } = await monitorOf(path);
    const s = m.snapshot(10);

    // Totals and protocol mix (io,phs). The root node counts every frame.
    const phs = parsePhs(tshark(['-r', path, '-q', '-z', 'io,phs']));
    const roots = phs.filter((n) => n.path.length === 0);
    assert.equal(s.packets, roots.reduce((a, n) => a + n.frames, 0), 'total packets');
    assert.equal(s.bytes, roots.reduce((a, n) => a + n.bytes, 0), 'total bytes');
    const l3 = new Set(['ip', 'ipv6', 'arp']);
    const want3 = { ipv4: firstOf(phs, l3, 'ip'), ipv6: firstOf(phs, l3, 'ipv6'), arp: firstOf(phs, l3, 'arp') };
    for (const [k, v] of Object.entries(want3)) {
      assert.deepEqual({ frames: s.l3[k]?.pkts ?? 0, bytes: s.l3[k]?.bytes ?? 0 }, v, `l3 ${k}`);
    }
    const l4 = new Set(['tcp', 'udp', 'icmp', 'icmpv6']);
    for (const k of l4) {
      const v = firstOf(phs, l4, k);
      assert.deepEqual({ frames: s.l4[k]?.pkts ?? 0, bytes: s.l4[k]?.bytes ?? 0 }, v, `l4 ${k}`);
    }

    // Top talkers: tshark's IPv4 and IPv6 endpoints together, top 10 by packets.
    const ep = tshark(['-r', path, '-q', '-z', 'endpoints,ip', '-z', 'endpoints,ipv6'])
      .split('\n')
      .map((l) => /^([0-9a-f.:]*[.:][0-9a-f.:]*)\s+(\d+)\s+(\d+)/.exec(l))
      .filter((x): x is RegExpExecArray => x !== null)
      .map((x) => ({ addr: x[1]!, pkts: Number(x[2]), bytes: Number(x[3]) }));
    const ours = new Map(m.talkers.top(100_000, 'aux').map((e) => [addrLabel(e), { pkts: e.aux, bytes: e.count }]));
    const top = [...ep].sort((a, b) => b.pkts - a.pkts || b.bytes - a.bytes).slice(0, 10);
    for (const e of top) assert.deepEqual(ours.get(e.addr), { pkts: e.pkts, bytes: e.bytes }, `endpoint ${e.addr}`);
    // Our top-10 by packets has the same counts, in the same order.
    assert.deepEqual(s.topTalkersPkts.map((x) => x.pkts), top.map((x) => x.pkts), 'top-10 packet counts');

    // Handshake RTT: one initial_rtt per stream in tshark; compare the sorted multisets.
    const rttLines = tshark(['-r', path, '-Y', 'tcp.analysis.initial_rtt', '-T', 'fields', '-e', 'tcp.stream', '-e', 'tcp.analysis.initial_rtt']);
    const perStream = new Map<string, number>();
    for (const line of rttLines.split('\n')) {
      const [stream, v] = line.split('\t');
      if (stream && v && !perStream.has(stream)) perStream.set(stream, Number(v));
    }
    const want = [...perStream.values()].sort((a, b) => a - b);
    const got = [...irtts].sort((a, b) => a - b);
    assert.equal(got.length, want.length, 'handshakes with an initial RTT');
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-6, `initial RTT #${i}: ${got[i]} vs ${want[i]}`);

    // Retransmissions within 5% (or 1 when there are few).
    const retr = tshark(['-r', path, '-Y', 'tcp.analysis.retransmission', '-T', 'fields', '-e', 'frame.number']).split('\n').filter((x) => x !== '').length;
    const ourRetr = m.tcp.totals.retransmissions;
    assert.ok(Math.abs(ourRetr - retr) <= Math.max(1, 0.05 * retr), `retransmissions: ours ${ourRetr}, tshark ${retr}`);
    t.diagnostic(`${rel}: ${s.packets} pkts, ${want.length} handshakes, retransmissions ${ourRetr} vs tshark ${retr}`);
  });
}
