/**
 * The labelled captures of ../shared/datasets/attacks/ are detected as their
 * README labels them (right alert, attacker, victim); the lab capture's ten
 * attacks are each found once with the right type; benign corpus captures
 * raise no scan or flood alert.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS, DATASETS, needShared } from '../helpers/env.js';
import { SCAN_FLOOD, detectFile } from './run-capture.js';

const ATT = join(DATASETS, 'attacks');

/** file → the alert that must appear: signature, evidence type, source (attacker) and destination (victim) where the label names them. */
const EXPECTED: Array<[string, string, string | null, string | null, string]> = [
  ['portscan/masscan_tcp_0_1000_20190821.pcap', 'Port Scan (vertical)', 'SYN', '172.31.15.102', '198.124.152.15'],
  ['portscan/masscan_udp_0_1000_20190821.pcap', 'Port Scan (vertical)', 'UDP', '172.31.15.102', '198.124.152.15'],
  ['ddos/pkt.TCP.synflood.spoofed.pcap', 'SYN Flood', 'syn', null, '10.10.10.10'],
  ['ddos/pkt.TCP.DOMINATE.syn.ecn.cwr.pcapng', 'SYN Flood', 'syn', null, '10.10.10.10'],
  ['ddos/amp.TCP.reflection.SYNACK.pcap', 'TCP Reflection (SYN-ACK/RST backscatter)', 'reflection', null, '10.10.10.10'],
  ['ddos/amp.dns.RRSIG.fragmented.pcap', 'UDP Amplification', 'DNS amplification', null, '10.10.10.10'],
  ['ddos/amp.UDP.snmp.src161.pcapng', 'UDP Amplification', 'SNMP amplification', null, '10.10.10.10'],
  ['ddos/amp.UDP.isakmp.pcap', 'UDP Amplification', 'ISAKMP amplification', null, '10.10.10.10'],
  ['dns_tunnel/iodine.pcap', 'DNS Tunnelling: Encoded Query Name', null, '192.168.1.17', '192.168.1.210'],
  ['dns_tunnel/dnscat2.pcap', 'DNS Tunnelling: Encoded Query Name', null, '192.168.1.17', '192.168.1.210'],
  ['dns_tunnel/dns2tcp.pcap', 'DNS Tunnelling: Encoded Query Name', null, '192.168.1.17', '192.168.1.210'],
  ['dns_tunnel/sods.pcap', 'DNS Tunnelling: Encoded Query Name', null, '192.168.1.17', '192.168.1.210'],
  ['dns_tunnel/dnsextrator.pcap', 'DNS Tunnelling: Encoded Query Name', null, '192.168.1.102', '192.168.1.210'],
];

for (const [file, sig, type, src, dst] of EXPECTED) {
  test(`attacks/${file}: ${sig}${type ? ` (${type})` : ''}`, async (t) => {
    if (!needShared(t)) return;
    const { alerts } = await detectFile(join(ATT, file));
    const hit = alerts.filter((a) => a.alert.signature === sig);
    assert.ok(hit.length > 0, `got ${alerts.map((a) => a.alert.signature).join(', ') || 'no alert'}`);
    const a = hit[0]!;
    if (type !== null) {
      const ev = a.wirewatch.evidence;
      assert.equal(ev.scan_type ?? ev.attack ?? ev.flood, type);
    }
    if (src !== null) assert.equal(a.src_ip, src);
    assert.equal(a.wirewatch.evidence.victim ?? a.wirewatch.evidence.target ?? a.dest_ip, dst);
    // Nothing of another attack class is reported for these single-attack files.
    const foreign = alerts.filter((x) => SCAN_FLOOD.test(x.alert.signature) && !SCAN_FLOOD.test(sig));
    assert.deepEqual(foreign.map((x) => x.alert.signature), []);
  });
}

test('lab-mixed.pcap: every attack found once with the right type, source and target; the benign phase is silent', async (t) => {
  if (!needShared(t)) return;
  const { alerts } = await detectFile(join(DATASETS, 'lab', 'lab-mixed.pcap'));
  const got = alerts.map((a) => `${a.alert.signature}|${String(a.wirewatch.evidence.scan_type ?? a.wirewatch.evidence.flood ?? '')}|${a.src_ip}|${a.dest_ip}`);
  assert.deepEqual(got, [
    'Port Scan (vertical)|SYN|198.18.0.3|198.18.0.2',
    'Port Scan (vertical)|FIN|198.18.0.3|198.18.0.2',
    'Port Scan (vertical)|Xmas|198.18.0.3|198.18.0.2',
    'Port Scan (vertical)|SYN|2001:db8::3|2001:db8::2',
    'Port Scan (vertical)|UDP|198.18.0.3|198.18.0.2',
    'DGA-like DNS Query Name||198.18.0.3|198.18.0.2',
    'SYN Flood|syn|198.18.0.3|198.18.0.2',
    'UDP Flood|udp|198.18.0.3|198.18.0.2',
    'ICMP Flood|icmp|198.18.0.3|198.18.0.2',
  ]);
  // All alerts fall in the attack phase (epoch 1795755762.806283 .. 1795755802.281165).
  for (const a of alerts) {
    const ts = Date.parse(a.timestamp) / 1000;
    assert.ok(ts >= 1795755762.8 && ts <= 1795755802.3, a.timestamp);
  }
  // The 150 DGA look-ups: one alert, the rest counted by suppression.
  assert.ok(alerts.every((a) => a.flow_id === undefined || typeof a.flow_id === 'number'));
});

/** Corpus captures of attacks or floods by design (not benign), with the reason. */
const NOT_BENIGN = new Map<string, string>([
  ['ndpi/synscan.pcap', 'an nmap SYN scan'],
  ['ndpi/gnutella.pcap', 'a P2P client whose connection attempts to >= 25 peers on one port fail: a horizontal sweep by Zeek\'s definition too'],
  ['suricata-verify/denial6-5.pcap', 'an ICMPv6 denial-of-service test'],
  ['suricata-verify/dhcp-request-flood.pcap', 'a DHCP request flood'],
  ['suricata-verify/rsmurf6.pcap', 'an ICMPv6 smurf attack'],
  ['suricata-verify/tcp-session-syn-flood-drop-precedence.pcap', 'a SYN flood'],
]);

test('benign corpus captures raise no scan or flood alert', async (t) => {
  if (!needShared(t)) return;
  const files: string[] = [];
  for (const dir of readdirSync(CORPUS, { withFileTypes: true })) {
    if (!dir.isDirectory() || dir.name === 'expected') continue;
    for (const f of readdirSync(join(CORPUS, dir.name))) if (/\.(pcap|pcapng|cap)$/.test(f)) files.push(`${dir.name}/${f}`);
  }
  assert.ok(files.length > 100);
  const bad: string[] = [];
  for (const f of files) {
    if (NOT_BENIGN.has(f)) continue;
    let alerts;
    try {
      ({ alerts } = await detectFile(join(CORPUS, f)));
    } catch {
      continue; // corrupt corpus files are the reader's tests' business
    }
    for (const a of alerts) if (SCAN_FLOOD.test(a.alert.signature)) bad.push(`${f}: ${a.alert.signature} ${a.src_ip} -> ${a.dest_ip}`);
  }
  assert.deepEqual(bad, []);
});
