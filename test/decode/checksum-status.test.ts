/**
 * Checksum verification (deferred until read) agrees with tshark's own
 * verification (`-o tcp.check_checksum:TRUE` ...): 0 = bad, 1 = good,
 * 2 = unverified, per packet, on captures with good and bad checksums.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { openCaptureFile } from '../../src/capture/open.js';
import { Pipeline } from '../../src/pipeline.js';
import { Csum, type Packet } from '../../src/decode/packet.js';
import { corpusFile, needShared, needTool } from '../helpers/env.js';

const FILES = ['zeek/chksums/localhost-bad-chksum.pcap', 'zeek/dns/dns-corrupt.pcap', 'pcapplusplus/many-protocols.pcap', 'tcpdump/dns_tcp.pcap'];

function tsharkStatus(path: string): Map<number, { ip: string; tcp: string; udp: string }> {
  const out = execFileSync(
    'tshark',
    ['-n', '-r', path, '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-T', 'fields', '-E', 'occurrence=f', '-e', 'frame.number', '-e', 'ip.checksum.status', '-e', 'tcp.checksum.status', '-e', 'udp.checksum.status'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 },
  );
  const m = new Map<number, { ip: string; tcp: string; udp: string }>();
  for (const line of out.split('\n')) {
    const [n, ip, tcp, udp] = line.split('\t');
    if (n) m.set(Number(n), { ip: ip ?? '', tcp: tcp ?? '', udp: udp ?? '' });
  }
  return m;
}

const ours = (s: number): string => (s === Csum.Good ? '1' : s === Csum.Bad ? '0' : '2');

for (const rel of FILES) {
  test(`checksum status vs tshark: ${rel}`, async (t) => {
    if (!needShared(t) || !needTool(t, 'tshark')) return;
    const path = corpusFile(rel);
    const want = tsharkStatus(path);
    let compared = 0;
    let bad = 0;
    const stage = {
      name: 'check',
      onPacket(p: Packet): void {
        const w = want.get(p.n);
        // Plain (untunnelled, unfragmented) IPv4 packets: tshark's first occurrence is this level.
        if (w === undefined || p.ipVersion !== 4 || p.ipIsFragment || p.encap !== 0 || p.isMalformed()) return;
        assert.equal(ours(p.ipChecksumStatus), w.ip, `frame ${p.n} ip`);
        if (p.hasTcp && w.tcp !== '') assert.equal(ours(p.l4ChecksumStatus), w.tcp, `frame ${p.n} tcp`);
        if (p.hasUdp && w.udp !== '' && p.l4ChecksumStatus !== Csum.Zero) assert.equal(ours(p.l4ChecksumStatus), w.udp, `frame ${p.n} udp`);
        if (p.l4ChecksumStatus === Csum.Bad) bad++;
        compared++;
      },
    };
    await new Pipeline(await openCaptureFile(path), [stage]).run();
    assert.ok(compared > 0, 'compared some packets');
    t.diagnostic(`${rel}: ${compared} packets compared, ${bad} with a bad transport checksum`);
  });
}
