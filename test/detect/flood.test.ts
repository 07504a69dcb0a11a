import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDetectConfig } from '../../src/detect/config.js';
import { FloodDetector } from '../../src/detect/flood.js';
import { join } from 'node:path';
import { DATASETS, needShared } from '../helpers/env.js';
import { Harness, eth, icmp, ip, tcp, udp } from './frames.js';
import { detectorOverCapture } from './run-capture.js';

const cfg = defaultDetectConfig();
const noSuppress = { suppress: { ...cfg.suppress, enabled: false } };
const V = '198.18.0.2';
const SYN = 0x02;
const ACK = 0x10;

function h(over: Partial<typeof cfg.flood> = {}): Harness {
  return new Harness([new FloodDetector({ ...cfg.flood, ...over })], noSuppress);
}
/** n SYNs to V:80 within second `sec`, from one source with changing source ports (hping3 -S). */
function syns(x: Harness, n: number, sec: number, src = '198.18.0.3'): void {
  for (let i = 0; i < n; i++) x.feed(eth(ip(src, V, tcp({ sport: 1024 + ((sec * 1000 + i) % 60000), dport: 80, flags: SYN }))), sec + i / (n + 1));
}

test('SYN flood: 199 SYN/s silent, 200 SYN/s fires (minRate, empty baseline)', () => {
  const a = h();
  syns(a, 199, 100);
  assert.equal(a.alerts.length, 0);
  const b = h();
  syns(b, 200, 100);
  assert.deepEqual(b.signatures(), ['SYN Flood']);
  assert.equal(b.alerts[0]!.dest_ip, V);
  assert.equal(b.alerts[0]!.wirewatch.evidence.packets_this_second, 200);
  assert.equal(b.alerts[0]!.wirewatch.evidence.bound, 'rate > baseline_factor * baseline and >= min_rate');
});

test('SYN flood: a learned baseline raises the bar; the hard limit fires regardless', () => {
  const x = h({ syn: { ...cfg.flood.syn, halfOpenLimit: 1e6 } });
  // 60 s of a server with 150 unanswered SYN/s: the baseline converges near 150.
  for (let s = 0; s < 60; s++) {
    for (let i = 0; i < 150; i++) {
      const sport = 1024 + ((s * 150 + i) % 60000);
      x.feed(eth(ip(`198.18.${1 + (i % 200)}.1`, V, tcp({ sport, dport: 443, flags: SYN }))), 1000 + s + i / 151);
    }
  }
  assert.equal(x.alerts.length, 0, 'steady load below baseline x factor');
  // 1400/s is > minRate but < 10 x ~150: not a flood for this destination.
  for (let i = 0; i < 1400; i++) x.feed(eth(ip('198.18.9.9', V, tcp({ sport: 1024 + i, dport: 443, flags: SYN }))), 1060 + i / 1401);
  assert.equal(x.alerts.length, 0);
  // With the baseline rule out of reach only the hard limit remains: 999 silent, 1000 fire.
  const y = h({ syn: { ...cfg.flood.syn, minRate: 1e6, hardLimit: 1000, halfOpenLimit: 1e6 } });
  for (let i = 0; i < 999; i++) y.feed(eth(ip('198.18.9.9', V, tcp({ sport: 1024 + i, dport: 443, flags: SYN }))), 5 + i / 1001);
  assert.equal(y.alerts.length, 0);
  y.feed(eth(ip('198.18.9.9', V, tcp({ sport: 9999, dport: 443, flags: SYN }))), 5.9999);
  assert.equal(y.alerts.length, 1);
  assert.equal(y.alerts[0]!.wirewatch.evidence.bound, 'rate >= hard_limit');
});

test('SYN flood: half-open connections per destination, 999 silent, 1000 fire; completed handshakes do not count', () => {
  const x = h({ syn: { ...cfg.flood.syn, minRate: 1e6, hardLimit: 1e7 } });
  for (let i = 0; i < 999; i++) x.feed(eth(ip(`10.0.${i >> 8}.${i & 255}`, V, tcp({ sport: 2000, dport: 80, flags: SYN }))), 1 + i / 1000);
  assert.equal(x.alerts.length, 0);
  x.feed(eth(ip('10.9.9.9', V, tcp({ sport: 2000, dport: 80, flags: SYN }))), 1.9999);
  assert.equal(x.alerts.length, 1);
  assert.equal(x.alerts[0]!.wirewatch.evidence.half_open, 1000);
  const y = h({ syn: { ...cfg.flood.syn, minRate: 1e6, hardLimit: 1e7 } });
  for (let i = 0; i < 2000; i++) {
    y.feed(eth(ip(`10.0.${i >> 8}.${i & 255}`, V, tcp({ sport: 2000, dport: 80, flags: SYN }))), 1 + i / 2001);
    y.feed(eth(ip(`10.0.${i >> 8}.${i & 255}`, V, tcp({ sport: 2000, dport: 80, flags: ACK }))), 1 + i / 2001);
  }
  assert.equal(y.alerts.length, 0);
});

test('SYNs whose handshakes complete are load, not a flood (zeek echo-connections case)', () => {
  const x = h();
  for (let i = 0; i < 400; i++) {
    x.feed(eth(ip('198.18.0.7', V, tcp({ sport: 1024 + i, dport: 7, flags: SYN }))), 1 + i / 401);
    x.feed(eth(ip('198.18.0.7', V, tcp({ sport: 1024 + i, dport: 7, flags: ACK }))), 1 + i / 401);
  }
  assert.equal(x.alerts.length, 0);
});

test('SYNs spread over many ports are a scan, not a SYN flood', () => {
  const x = h();
  for (let p = 1; p <= 1000; p++) {
    x.feed(eth(ip('198.18.0.3', V, tcp({ sport: 40000, dport: p, flags: SYN }))), 1 + p / 1001);
    x.feed(eth(ip(V, '198.18.0.3', tcp({ sport: p, dport: 40000, flags: 0x14 }))), 1 + p / 1001);
  }
  assert.equal(x.count('SYN Flood'), 0);
  assert.equal(x.count('TCP Reflection (SYN-ACK/RST backscatter)'), 0, 'the RSTs answer the scanner\'s own SYNs');
});

test('UDP flood: 499/s silent, 500/s fires; answered datagrams (a stream) do not', () => {
  const dg = (i: number): Uint8Array => eth(ip('198.18.0.3', V, udp({ sport: 1024 + i, dport: 53 })));
  const a = h();
  for (let i = 0; i < 499; i++) a.feed(dg(i), 1 + i / 500);
  assert.equal(a.alerts.length, 0);
  a.feed(dg(499), 1.999);
  assert.deepEqual(a.signatures(), ['UDP Flood']);
  const b = h();
  for (let i = 0; i < 2000; i++) {
    b.feed(eth(ip('198.18.0.3', V, udp({ sport: 4433, dport: 50000 }))), 1 + i / 2001);
    if (i % 4 === 0) b.feed(eth(ip(V, '198.18.0.3', udp({ sport: 50000, dport: 4433 }))), 1 + i / 2001);
  }
  assert.equal(b.count('UDP Flood'), 0, 'a QUIC-like download with 25 % answers is not a flood');
});

test('ICMP flood: 199/s silent, 200/s fires; the echo replies to the pinger are answers', () => {
  const a = h();
  for (let i = 0; i < 199; i++) a.feed(eth(ip('198.18.0.3', V, icmp({ type: 8, rest: [0, 1, i >> 8, i & 255] }))), 1 + i / 200);
  assert.equal(a.alerts.length, 0);
  const b = h();
  for (let i = 0; i < 300; i++) {
    b.feed(eth(ip('198.18.0.3', V, icmp({ type: 8, rest: [0, 1, i >> 8, i & 255] }))), 1 + i / 301);
    b.feed(eth(ip(V, '198.18.0.3', icmp({ type: 0, rest: [0, 1, i >> 8, i & 255] }))), 1 + i / 301);
  }
  assert.deepEqual(b.signatures(), ['ICMP Flood']);
  assert.equal(b.alerts[0]!.dest_ip, V);
});

test('amplification: response bytes vs request bytes, names the service', () => {
  const resp = (sec: number, n: number, size: number, x: Harness): void => {
    for (let i = 0; i < n; i++) x.feed(eth(ip(`203.0.113.${1 + (i % 200)}`, V, udp({ sport: 123, dport: 4444, payload: new Uint8Array(size) }))), sec + i / (n + 1));
  };
  // 99 x ~1000 bytes = below 100 kB/s; 110 x ~1000 bytes = above.
  const a = h();
  resp(1, 95, 1000, a);
  assert.equal(a.alerts.length, 0);
  const b = h();
  resp(1, 110, 1000, b);
  assert.deepEqual(b.signatures(), ['UDP Amplification']);
  assert.equal(b.alerts[0]!.wirewatch.evidence.service, 'NTP');
  assert.equal(b.alerts[0]!.wirewatch.evidence.attack, 'NTP amplification');
  // A resolver that asked for what it gets (ratio < 10) is not amplified.
  const c = h();
  for (let i = 0; i < 200; i++) {
    c.feed(eth(ip(V, '203.0.113.1', udp({ sport: 4444, dport: 53, payload: new Uint8Array(200) }))), 1 + i / 201);
    c.feed(eth(ip('203.0.113.1', V, udp({ sport: 53, dport: 4444, payload: new Uint8Array(1000) }))), 1 + i / 201);
  }
  assert.equal(c.count('UDP Amplification'), 0);
});

test('destination table is bounded: random destinations evict and count', () => {
  const x = h({ maxDestinations: 100 });
  for (let i = 0; i < 1000; i++) x.feed(eth(ip('198.18.0.3', `10.1.${i >> 8}.${i & 255}`, udp({ sport: 1, dport: 2 }))), 1);
  const s = x.stage.stats();
  assert.equal(s['flood.destinations'], 100);
  assert.equal(s['flood.destinationsEvicted'], 900);
});

test('the flow hints of the half-open table change nothing: floods of real captures give the same alerts and counters with and without the flow stage', async (t) => {
  if (!needShared(t)) return;
  for (const f of ['attacks/ddos/pkt.TCP.synflood.spoofed.pcap', 'attacks/ddos/amp.TCP.reflection.SYNACK.pcap', 'lab/lab-mixed.pcap']) {
    const hinted = await detectorOverCapture(join(DATASETS, f), new FloodDetector(cfg.flood), true);
    const plain = await detectorOverCapture(join(DATASETS, f), new FloodDetector(cfg.flood), false);
    assert.ok(hinted.alerts.length > 0, f);
    assert.deepEqual(hinted.stats, plain.stats, f);
    assert.deepEqual(hinted.alerts, plain.alerts, f);
  }
});
