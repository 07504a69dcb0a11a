import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertTuple } from '../../src/detect/detector.js';
import { tupleOf } from '../../src/detect/detector.js';
import { Sighting } from '../../src/detect/intel-sighting.js';
import { flowOptions } from '../../src/flow/options.js';
import { FlowStage } from '../../src/flow/stage.js';
import { FrameDecoder, eth, icmp, ip, tcp, udp } from './frames.js';

/**
 * The lazily made tuple of a look-up's packet equals the tuple made from the
 * packet at once (the alerts of answers stay byte-identical), also after
 * later packets have moved the reused Packet and FlowRef on.
 */
test('a sighting makes the same tuple as the packet did, Community ID included', () => {
  const dec = new FrameDecoder();
  const flows = new FlowStage(flowOptions());
  const frames: Uint8Array[] = [
    eth(ip('45.155.205.233', '10.0.0.5', tcp({ sport: 4444, dport: 22, flags: 2 }))),
    eth(ip('10.0.0.5', '45.155.205.233', tcp({ sport: 22, dport: 4444, flags: 0x12 }))),
    eth(ip('192.0.2.1', '8.8.8.8', udp({ sport: 5353, dport: 53 }))),
    eth(ip('8.8.8.8', '192.0.2.1', udp({ sport: 53, dport: 5353 }))),
    eth(ip('198.51.100.7', '203.0.113.9', icmp({ type: 8 }))),
    eth(ip('203.0.113.9', '198.51.100.7', icmp({ type: 0 }))),
    // One-way ICMP in both directions of one flow: the flow keeps its first packet's order.
    eth(ip('203.0.113.9', '198.51.100.8', icmp({ type: 3, code: 1 }))),
    eth(ip('198.51.100.8', '203.0.113.9', icmp({ type: 3, code: 1 }))),
    eth(ip('2001:db8::1', '2a00:1450::2', tcp({ sport: 40000, dport: 443, flags: 2 }))),
    eth(ip('2a00:1450::2', '2001:db8::1', tcp({ sport: 443, dport: 40000, flags: 0x12 }))),
    eth(ip('2001:db8::1', '2a00:1450::2', icmp({ type: 128, v6: true }))),
    // Same address both sides: the ports decide the order.
    eth(ip('203.0.113.5', '203.0.113.5', udp({ sport: 9000, dport: 80 }))),
    // Protocols the decoder has no layer for: without ports (OSPF) and with ports the flow key reads from the bytes (SCTP).
    eth(ip('203.0.113.5', '198.51.100.1', { proto: 89, bytes: new Uint8Array(24), csumAt: -1 })),
    eth(ip('203.0.113.5', '198.51.100.1', { proto: 132, bytes: Uint8Array.of(0x0b, 0x59, 0x00, 0x50, 0, 0, 0, 0, 0, 0, 0, 0), csumAt: -1 })),
  ];
  const seen: Array<{ sighting: Sighting; tuple: AlertTuple; tsSec: number }> = [];
  frames.forEach((f, i) => {
    const pkt = dec.decode(f, 1000 + i, 250_000);
    flows.onPacket(pkt);
    assert.notEqual(pkt.flow, null);
    const l = pkt.innermost();
    assert.notEqual(l.ipVersion, 0);
    seen.push({ sighting: new Sighting(pkt, l), tuple: tupleOf(pkt, l), tsSec: pkt.tsSec });
  });
  for (const s of seen) {
    assert.deepEqual(s.sighting.tuple(), s.tuple);
    assert.equal(s.sighting.tsSec, s.tsSec);
    assert.equal(s.sighting.tsNsec, 250_000);
  }
  assert.ok(seen.every((s) => s.tuple.communityId !== null && s.tuple.communityId.startsWith('1:')));
});

test('a sighting of a packet without a flow names none', () => {
  const pkt = new FrameDecoder().decode(eth(ip('45.155.205.233', '10.0.0.5', tcp({ sport: 4444, dport: 22, flags: 2 }))), 5);
  const l = pkt.innermost();
  assert.deepEqual(new Sighting(pkt, l).tuple(), tupleOf(pkt, l));
  assert.equal(new Sighting(pkt, l).tuple().communityId, null);
});
