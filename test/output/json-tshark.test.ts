/**
 * `read --format json` against tshark, packet by packet, on real captures:
 * every line is valid JSON, and the fields tshark's reference has (frame
 * number, time, lengths, MACs, IPv4/IPv6 addresses, ports, TCP flags/window/
 * checksum, UDP length/checksum, DNS query names) agree on every packet tshark
 * decoded without a malformed mark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { corpusFile, needShared, needTool, ROOT } from '../helpers/env.js';
import { runCli, jsonLines } from '../cli/run-cli.js';
import { diffRow, jsonToRow, tsharkRows } from './tshark-fields.js';

const CORPUS_FILES = [
  'pcapplusplus/many-protocols.pcap', // 4,709 packets of mixed traffic: HTTP, TLS, DNS
  'tcpdump/tcp-handshake-nano.pcap', // nanosecond timestamps, LINUX_SLL
  'zeek/tunnels/vxlan.pcap', // VXLAN: inner Ethernet/IP under `inner`
  'suricata-verify/community-id-ipv6.pcap', // IPv6
  'tcpdump/dns_udp.pcap', // DNS questions
  'zeek/icmp_dot1q.pcap', // 802.1Q VLAN + ICMP
  'tcpdump/icmpv6.pcap', // ICMPv6 errors quoting the offending packet
];

function compare(file: string): { agree: number; total: number; diffs: string[] } {
  const r = runCli(['read', file, '--format', 'json']);
  assert.equal(r.status, 0, `exit status for ${file}: ${r.stderr}`);
  const ours = new Map(jsonLines(r.stdout).map((o) => [String(o.n), o]));
  let agree = 0;
  let total = 0;
  const diffs: string[] = [];
  for (const t of tsharkRows(file)) {
    if (t['_ws.malformed'] !== '') continue;
    total++;
    const o = ours.get(t['frame.number']);
    const d = o === undefined ? ['missing from wirewatch output'] : diffRow(t, jsonToRow(o));
    if (d.length === 0) agree++;
    else if (diffs.length < 5) diffs.push(`frame ${t['frame.number']}: ${d.join('; ')}`);
  }
  return { agree, total, diffs };
}

for (const rel of CORPUS_FILES) {
  test(`json matches tshark: ${rel}`, (t) => {
    if (!needShared(t)) return;
    const { agree, total, diffs } = compare(corpusFile(rel));
    t.diagnostic(`${rel}: ${agree}/${total} packets agree (${total > 0 ? ((100 * agree) / total).toFixed(1) : '100.0'}%)`);
    assert.ok(total > 0, 'tshark reference has packets');
    assert.equal(agree, total, diffs.join('\n'));
  });
}

test('json matches tshark: data/demo.pcapng (tshark run now)', (t) => {
  if (!needTool(t, 'tshark')) return;
  const { agree, total, diffs } = compare(join(ROOT, 'data', 'demo.pcapng'));
  t.diagnostic(`demo.pcapng: ${agree}/${total} packets agree`);
  assert.ok(total > 700);
  assert.equal(agree, total, diffs.join('\n'));
});
