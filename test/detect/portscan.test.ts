import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDetectConfig } from '../../src/detect/config.js';
import { PortScanDetector, PrototypePortScanDetector } from '../../src/detect/portscan.js';
import { join } from 'node:path';
import { DATASETS, needShared } from '../helpers/env.js';
import { Harness, eth, icmp, ip, tcp, udp } from './frames.js';
import { detectorOverCapture } from './run-capture.js';

const cfg = defaultDetectConfig();
const noSuppress = { suppress: { ...cfg.suppress, enabled: false } };
const A = '198.18.0.3';
const B = '198.18.0.2';
const SYN = 0x02;
const ACK = 0x10;
const RST = 0x04;
const FIN = 0x01;
const PSH = 0x08;
const URG = 0x20;

function probe(h: Harness, dport: number, t: number, flags = SYN, dst = B, o: { options?: number[] } = {}): void {
  h.feed(eth(ip(A, dst, tcp({ sport: 40000, dport, flags, ...o }))), t);
}
function rst(h: Harness, dport: number, t: number, src = B): void {
  h.feed(eth(ip(src, A, tcp({ sport: dport, dport: 40000, flags: RST | ACK }))), t);
}

test('vertical: 14 ports refused with RST stay silent, the 15th fires (Zeek default), naming a SYN scan', () => {
  const h = new Harness([new PortScanDetector(cfg.portscan)], noSuppress);
  for (let p = 1; p <= 14; p++) {
    probe(h, p, 100 + p * 0.001);
    rst(h, p, 100 + p * 0.001 + 0.0001);
  }
  assert.equal(h.alerts.length, 0);
  probe(h, 15, 100.5);
  rst(h, 15, 100.5001);
  assert.equal(h.alerts.length, 1);
  const a = h.alerts[0]!;
  assert.equal(a.alert.signature, 'Port Scan (vertical)');
  assert.equal(a.src_ip, A);
  assert.equal(a.dest_ip, B);
  assert.equal(a.wirewatch.evidence.scan_type, 'SYN');
  assert.equal(a.wirewatch.evidence.failed_ports, 15);
  assert.equal(a.wirewatch.evidence.last_failure, 'rst');
});

test('answered SYNs (SYN-ACK) are not failures: 100 open ports never fire', () => {
  const h = new Harness([new PortScanDetector(cfg.portscan)], noSuppress);
  for (let p = 1; p <= 100; p++) {
    probe(h, p, 1 + p * 0.001);
    h.feed(eth(ip(B, A, tcp({ sport: p, dport: 40000, flags: SYN | ACK }))), 1 + p * 0.001 + 0.0001);
  }
  assert.equal(h.alerts.length, 0);
});

test('unanswered probes fail after the time-out (FIN scan of open ports), and at end of input', async () => {
  const h = new Harness([new PortScanDetector(cfg.portscan)], noSuppress);
  for (let p = 1; p <= 15; p++) probe(h, p, 10 + p * 0.01, FIN);
  h.feed(eth(ip('198.18.0.9', '198.18.0.10', udp({ sport: 1, dport: 2 }))), 14.9);
  assert.equal(h.alerts.length, 0, 'not yet timed out (5 s)');
  h.feed(eth(ip('198.18.0.9', '198.18.0.10', udp({ sport: 1, dport: 2 }))), 15.2);
  h.feed(eth(ip('198.18.0.9', '198.18.0.10', udp({ sport: 1, dport: 2 }))), 16.2);
  assert.equal(h.alerts.length, 1);
  assert.equal(h.alerts[0]!.wirewatch.evidence.scan_type, 'FIN');
  assert.equal(h.alerts[0]!.wirewatch.evidence.last_failure, 'timeout');

  const e = new Harness([new PortScanDetector(cfg.portscan)], noSuppress);
  for (let p = 1; p <= 15; p++) probe(e, p, 10 + p * 0.01, FIN | PSH | URG);
  await e.end(11);
  assert.equal(e.alerts.length, 1);
  assert.equal(e.alerts[0]!.wirewatch.evidence.scan_type, 'Xmas');
});

test('scan types from flags and options: NULL, ACK (RST answers), connect (full SYN options), UDP (ICMP unreachable)', async () => {
  const kinds: Array<[string, (h: Harness, p: number, t: number) => void]> = [
    ['NULL', (h, p, t) => { probe(h, p, t, 0); rst(h, p, t + 1e-4); }],
    ['ACK', (h, p, t) => { probe(h, p, t, ACK); h.feed(eth(ip(B, A, tcp({ sport: p, dport: 40000, flags: RST }))), t + 1e-4); }],
    ['connect', (h, p, t) => { probe(h, p, t, SYN, B, { options: [2, 4, 5, 180, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7] }); rst(h, p, t + 1e-4); }],
    ['UDP', (h, p, t) => {
      const dgram = ip(A, B, udp({ sport: 40000, dport: p }));
      h.feed(eth(dgram), t);
      h.feed(eth(ip(B, A, icmp({ type: 3, code: 3, rest: [0, 0, 0, 0], body: dgram }))), t + 1e-4);
    }],
  ];
  for (const [name, send] of kinds) {
    const h = new Harness([new PortScanDetector(cfg.portscan)], noSuppress);
    for (let p = 1; p <= 15; p++) send(h, 1000 + p, 1 + p * 0.01);
    assert.equal(h.alerts.length, 1, name);
    assert.equal(h.alerts[0]!.wirewatch.evidence.scan_type, name);
  }
});

test('a bare ACK nobody answers is ordinary traffic, not a failed probe', async () => {
  const h = new Harness([new PortScanDetector(cfg.portscan)], noSuppress);
  for (let p = 1; p <= 30; p++) probe(h, p, 1 + p * 0.01, ACK);
  await h.end(100);
  assert.equal(h.alerts.length, 0);
});

test('horizontal: 24 hosts on one port silent, the 25th fires, naming the port', () => {
  const h = new Harness([new PortScanDetector(cfg.portscan)], noSuppress);
  for (let i = 1; i <= 24; i++) {
    probe(h, 22, 1 + i * 0.01, SYN, `198.18.1.${i}`);
    rst(h, 22, 1 + i * 0.01 + 1e-4, `198.18.1.${i}`);
  }
  assert.equal(h.alerts.length, 0);
  probe(h, 22, 2, SYN, '198.18.1.25');
  rst(h, 22, 2.0001, '198.18.1.25');
  assert.deepEqual(h.signatures(), ['Port Sweep (horizontal)']);
  assert.equal(h.alerts[0]!.dest_port, 22);
  assert.equal(h.alerts[0]!.wirewatch.evidence.failed_hosts, 25);
});

test('the window slides: 15 failures spread over more than 5 minutes do not fire', () => {
  const h = new Harness([new PortScanDetector(cfg.portscan)], noSuppress);
  for (let p = 1; p <= 15; p++) {
    probe(h, p, p * 25);
    rst(h, p, p * 25 + 0.001);
  }
  assert.equal(h.alerts.length, 0);
});

test('IPv6 scans are tracked like IPv4', () => {
  const h = new Harness([new PortScanDetector(cfg.portscan)], noSuppress);
  for (let p = 1; p <= 15; p++) {
    h.feed(eth(ip('2001:db8::3', '2001:db8::2', tcp({ sport: 5000, dport: p, flags: SYN }))), 1 + p * 0.01);
    h.feed(eth(ip('2001:db8::2', '2001:db8::3', tcp({ sport: p, dport: 5000, flags: RST | ACK }))), 1 + p * 0.01 + 1e-4);
  }
  assert.equal(h.alerts.length, 1);
  assert.equal(h.alerts[0]!.src_ip, '2001:db8::3');
  assert.equal(h.alerts[0]!.dest_ip, '2001:db8::2');
});

test('probe table is bounded: a flood of random sources evicts and counts', () => {
  const h = new Harness([new PortScanDetector({ ...cfg.portscan, maxProbes: 1024 })], noSuppress);
  for (let i = 0; i < 5000; i++) h.feed(eth(ip(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, B, tcp({ sport: 1000 + (i % 60000), dport: 80, flags: SYN }))), 1);
  const s = h.stage.stats();
  assert.ok(s['portscan.probeSlotsUsed']! <= 1024);
  assert.ok(s['portscan.probesEvicted']! >= 5000 - 1024);
});

test('prototype rule: 100 unique destination ports silent, the 101st fires, whatever the answers', () => {
  const h = new Harness([new PrototypePortScanDetector(cfg.portscan)], noSuppress);
  for (let p = 1; p <= 100; p++) probe(h, p, 1 + p * 0.001);
  assert.equal(h.alerts.length, 0);
  probe(h, 101, 1.5);
  assert.deepEqual(h.signatures(), ['Port Scan']);
  assert.equal(h.alerts[0]!.wirewatch.evidence.unique_dst_ports, 101);
});

test('the flow hints change nothing: scans of real captures give the same alerts and counters with and without the flow stage', async (t) => {
  if (!needShared(t)) return;
  // nmap against one open port: answered pairs only; masscan: unanswered UDP probes; the lab: everything at once.
  for (const [f, failures] of [['attacks/portscan/nmap_80_all.pcap', false], ['attacks/portscan/masscan_udp_0_1000_20190821.pcap', true], ['lab/lab-mixed.pcap', true]] as const) {
    const hinted = await detectorOverCapture(join(DATASETS, f), new PortScanDetector(cfg.portscan), true);
    const plain = await detectorOverCapture(join(DATASETS, f), new PortScanDetector(cfg.portscan), false);
    assert.equal(hinted.stats['portscan.failedAttempts']! > 0, failures, f);
    assert.deepEqual(hinted.stats, plain.stats, f);
    assert.deepEqual(hinted.alerts, plain.alerts, f);
  }
});
