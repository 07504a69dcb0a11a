/**
 * The bench's looped inputs (bench/loop.ts): every copy must be the same
 * traffic between other hosts — same packets, lengths, ports and checksum
 * verdicts, new unicast addresses — so stateful stages see new connections,
 * not the first copy replayed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openCaptureFile } from '../../src/capture/open.js';
import { Decoder } from '../../src/decode/decoder.js';
import { Packet } from '../../src/decode/packet.js';
import { MonitorStage } from '../../src/monitor/monitor-stage.js';
import { FlowStage } from '../../src/flow/stage.js';
import { flowOptions } from '../../src/flow/options.js';
import { formatIPv4, formatIPv6Words } from '../../src/util/format.js';
import { runStages } from '../../bench/harness.js';
import { loopPcap } from '../../bench/loop.js';
import { corpusFile, needShared } from '../helpers/env.js';

/** What must not change between copies, and the addresses, of every packet of `path`. */
async function describe(path: string): Promise<{ same: string[]; addrs: string[] }> {
  const same: string[] = [];
  const addrs: string[] = [];
  const dec = new Decoder();
  const pkt = new Packet();
  await (await openCaptureFile(path)).run((f) => {
    dec.decode(f, pkt);
    same.push([pkt.len, pkt.ipVersion, pkt.ipProto, pkt.sport, pkt.dport, pkt.ipChecksumStatus, pkt.l4ChecksumStatus, pkt.isMalformed()].join(' '));
    addrs.push(pkt.ipVersion === 4 ? `${formatIPv4(pkt.src4)} ${formatIPv4(pkt.dst4)}` : pkt.ipVersion === 6 ? `${formatIPv6Words(pkt.src6)} ${formatIPv6Words(pkt.dst6)}` : '');
  });
  return { same, addrs };
}

const CAPTURES = ['pcapplusplus/many-protocols.pcap', 'arkime/v6.pcap', 'pcapplusplus/ICMPv6_echos.cap', 'zeek/echo-connections.pcap'];

for (const name of CAPTURES) {
  test(`looped ${name}: each copy is the same traffic between new hosts, checksums intact`, async (t) => {
    if (!needShared(t)) return;
    const reps = 3;
    const orig = await describe(corpusFile(name));
    const looped = loopPcap(corpusFile(name), reps);
    const loop = await describe(looped.path);
    const n = orig.same.length;
    assert.equal(loop.same.length, n * reps);
    let moved = 0;
    for (let r = 0; r < reps; r++) {
      for (let i = 0; i < n; i++) {
        assert.equal(loop.same[r * n + i], orig.same[i], `copy ${r}, packet ${i + 1}`);
        if (r === 0) assert.equal(loop.addrs[i], orig.addrs[i], `copy 0 is the original, packet ${i + 1}`);
        else if (orig.addrs[i] !== '' && loop.addrs[r * n + i] !== orig.addrs[i]) moved++;
      }
    }
    // Every IP packet of the later copies has a unicast endpoint (no capture here is multicast-only traffic).
    const ipPackets = orig.addrs.filter((a) => a !== '').length;
    assert.equal(moved, ipPackets * (reps - 1), 'every IP packet of copies 1.. has new addresses');
  });
}

test('looped captures hold new connections: flows and TCP analysis scale with the copies', async (t) => {
  if (!needShared(t)) return;
  const count = async (path: string) => {
    const mon = new MonitorStage(null);
    const flows = new FlowStage(flowOptions('default'));
    let ended = 0;
    flows.addSink(() => ended++);
    await runStages(path, [mon, flows]);
    return { tcp: mon.tcp.totals, flows: ended };
  };
  const file = corpusFile('pcapplusplus/many-protocols.pcap');
  const one = await count(file);
  const three = await count(loopPcap(file, 3).path);
  assert.equal(three.flows, one.flows * 3);
  assert.equal(three.tcp.connections, one.tcp.connections * 3);
  assert.equal(three.tcp.handshakes, one.tcp.handshakes * 3);
  assert.equal(three.tcp.retransmissions, one.tcp.retransmissions * 3, 'no copy replays another copy’s sequence numbers');
  assert.equal(three.tcp.resets, one.tcp.resets * 3);
});
