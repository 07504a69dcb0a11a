import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDetectConfig } from '../../src/detect/config.js';
import { PacketSizeDetector, PrototypePacketSizeDetector } from '../../src/detect/packet-size.js';
import { Harness, eth, icmp, ip, tcp, udp } from './frames.js';

const cfg = defaultDetectConfig();
const noSuppress = { suppress: { ...cfg.suppress, enabled: false } };

/** An Ethernet frame of exactly `len` bytes (UDP payload sized to fit). */
function udpFrame(len: number): Uint8Array {
  return eth(ip('198.18.0.1', '198.18.0.2', udp({ sport: 1000, dport: 2000, payload: new Uint8Array(Math.max(0, len - 14 - 28)) })));
}

test('prototype rule: frame length < 50 or > 1500, exactly at the bounds', () => {
  const h = new Harness([new PrototypePacketSizeDetector(cfg.packetSize)], noSuppress);
  const raw = udpFrame(60);
  // Frames shorter than the Ethernet minimum only exist as captured lengths: use origLen for 49/50.
  h.feed(raw.subarray(0, 49), 1, 49);
  h.feed(raw.subarray(0, 50), 2, 50);
  h.feed(udpFrame(1500), 3);
  h.feed(udpFrame(1501), 4);
  assert.deepEqual(h.alerts.map((a) => a.wirewatch.evidence.bound), ['frame_length < min', 'frame_length > max']);
  assert.deepEqual(h.alerts.map((a) => a.wirewatch.evidence.frame_length), [49, 1501]);
});

test('sound rule: IP packet at the MTU is fine, one byte above fires with the bound named', () => {
  const h = new Harness([new PacketSizeDetector(cfg.packetSize)], noSuppress);
  const ping = (size: number): Uint8Array => eth(ip('198.18.0.1', '198.18.0.2', icmp({ type: 8, body: new Uint8Array(size - 28) })));
  h.feed(ping(1499), 1);
  h.feed(ping(1500), 2);
  assert.equal(h.alerts.length, 0);
  h.feed(ping(1501), 3);
  assert.equal(h.alerts.length, 1);
  assert.equal(h.alerts[0]!.alert.signature, 'IP Packet Larger Than Link MTU');
  assert.deepEqual(h.alerts[0]!.wirewatch.evidence, { bound: 'ip_total_length > mtu', ip_total_length: 1501, mtu: 1500 });
});

test('sound rule: the MTU comes from the context (jumbo frames)', () => {
  const h = new Harness([new PacketSizeDetector(cfg.packetSize)], { ...noSuppress, mtu: 9000 });
  h.feed(eth(ip('198.18.0.1', '198.18.0.2', icmp({ type: 8, body: new Uint8Array(9000 - 28) }))), 1);
  h.feed(eth(ip('198.18.0.1', '198.18.0.2', icmp({ type: 8, body: new Uint8Array(9001 - 28) }))), 2);
  assert.equal(h.alerts.length, 1);
  assert.equal(h.alerts[0]!.wirewatch.evidence.mtu, 9000);
});

test('sound rule: TCP segmentation-offload aggregates (consistent length, or 0) do not fire', () => {
  const h = new Harness([new PacketSizeDetector(cfg.packetSize)], noSuppress);
  const big = tcp({ sport: 443, dport: 50000, flags: 0x18, payload: new Uint8Array(30000) });
  h.feed(eth(ip('198.18.0.1', '198.18.0.2', big)), 1);
  h.feed(eth(ip('198.18.0.1', '198.18.0.2', tcp({ sport: 443, dport: 50000, flags: 0x18, payload: new Uint8Array(70000) }), { totalLenOverride: 0 })), 2);
  assert.equal(h.alerts.length, 0);
  assert.equal(h.stage.stats()['packet-size.offloadSkipped'], 2);
  // The same size without offload semantics (ICMP) fires.
  h.feed(eth(ip('198.18.0.1', '198.18.0.2', icmp({ type: 8, body: new Uint8Array(30000) }))), 3);
  assert.equal(h.alerts.length, 1);
});

test('sound rule: the prototype false positive (54-byte TCP ACK) is silent; Ethernet padding is fine', () => {
  const h = new Harness([new PacketSizeDetector(cfg.packetSize)], noSuppress);
  h.feed(eth(ip('198.18.0.1', '198.18.0.2', tcp({ sport: 1, dport: 2, flags: 0x10 }))), 1);
  assert.equal(h.alerts.length, 0);
});

test('sound rule: trailer after the IP packet: 4 bytes (FCS) ok, 5 fire; header longer than frame fires', () => {
  const h = new Harness([new PacketSizeDetector(cfg.packetSize)], noSuppress);
  const p = ip('198.18.0.1', '198.18.0.2', udp({ sport: 1, dport: 2, payload: new Uint8Array(200) }));
  h.feed(eth(p, 4), 1);
  assert.equal(h.alerts.length, 0);
  h.feed(eth(p, 5), 2);
  assert.equal(h.alerts.length, 1);
  assert.equal(h.alerts[0]!.wirewatch.evidence.bound, 'trailer_bytes > max_trailer');
  assert.equal(h.alerts[0]!.wirewatch.evidence.trailer_bytes, 5);
  const lying = ip('198.18.0.1', '198.18.0.2', udp({ sport: 1, dport: 2, payload: new Uint8Array(100) }), { totalLenOverride: 129 });
  h.feed(eth(lying), 3);
  assert.equal(h.alerts.length, 2);
  assert.equal(h.alerts[1]!.alert.signature, 'IP Total Length Exceeds Frame');
  assert.equal(h.alerts[1]!.wirewatch.evidence.ip_total_length, 129);
});
