/**
 * `wirewatch read FILE -f EXPR` end to end: the frame numbers printed are
 * the numbers of the packets `tcpdump -r FILE -w - EXPR` selects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { nativeAvailable } from '../../src/capture/native.js';
import { corpusFile, need, needShared, needTool, ROOT } from '../helpers/env.js';
import { numbersOfSubsequence, parsePcap } from './pcap-records.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const CASES: [string, string][] = [
  ['pcapplusplus/many-protocols.pcap', 'tcp[tcpflags] & tcp-syn != 0'],
  ['tcpdump/quic_handshake.pcap', 'ip6 and udp and greater 1000'], // DLT_NULL with BSD AF_INET6 values
  ['tcpdump/mptcp-v1.pcap', 'tcp and src net 10.0.1.0/24'], // LINUX_SLL
  ['zeek/vlan-qinqinq.pcap', 'vlan 30 and vlan 20 and vlan 10 and tcp[tcpflags] & tcp-syn != 0'],
];

test('read -f prints exactly the packets tcpdump -r selects', (t) => {
  if (!needShared(t) || !needTool(t, 'tcpdump')) return;
  if (!need(t, nativeAvailable(), 'needs the libpcap binding (npm rebuild)')) return;
  for (const [rel, expr] of CASES) {
    const file = corpusFile(rel);
    const all = parsePcap(execFileSync('tcpdump', ['-r', file, '-w', '-'], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] }));
    const sel = parsePcap(execFileSync('tcpdump', ['-r', file, '-w', '-', expr], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] }));
    const expected = numbersOfSubsequence(all.records, sel.records);
    const r = spawnSync(process.execPath, [CLI, 'read', file, '--format', 'json', '-f', expr], { encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.equal(r.status, 0, r.stderr);
    const ours = r.stdout.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { n: number }).n);
    t.diagnostic(`${rel} '${expr}': ${ours.length} of ${all.frames.length} selected`);
    assert.ok(expected.length > 0, `${rel}: expression selects nothing, pick another`);
    assert.deepEqual(ours, expected, `${rel} '${expr}'`);
  }
});

test('read -f with a bad expression exits 2 with libpcap\'s message', (t) => {
  if (!needShared(t)) return;
  if (!need(t, nativeAvailable(), 'needs the libpcap binding (npm rebuild)')) return;
  const r = spawnSync(process.execPath, [CLI, 'read', corpusFile('tcpdump/dns-badcookie.pcap'), '-q', '-f', 'tcp port'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /-f: filter 'tcp port' \(link type 1\): can't parse filter expression: syntax error/);
});
