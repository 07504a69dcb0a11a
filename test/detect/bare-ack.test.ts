/**
 * Bare ACKs of established connections: the flow stage says when a TCP
 * connection's handshake completed before a packet (FlowRef.established);
 * the scan and flood detectors pass over such ACKs, and the threaded
 * detectors' ring does not carry them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDetectConfig } from '../../src/detect/config.js';
import { TcpFlag } from '../../src/decode/packet.js';
import { isEstablishedBareAck } from '../../src/detect/detector.js';
import { FloodDetector } from '../../src/detect/flood.js';
import { PortScanDetector } from '../../src/detect/portscan.js';
import { wanted } from '../../src/detect/thread/record.js';
import { flowOptions } from '../../src/flow/options.js';
import { FlowStage } from '../../src/flow/stage.js';
import { FrameDecoder, Harness, dns, eth, ip, tcp } from './frames.js';

const cfg = defaultDetectConfig();
const noSuppress = { suppress: { ...cfg.suppress, enabled: false } };
const { SYN, ACK, RST, FIN, PSH } = TcpFlag;
/** Client and server of the test connections. */
const [A, B] = ['198.18.0.3', '198.18.0.2'];

/** Client A:40000 → server B:port. */
const c2s = (port: number, flags: number, payload = 0) => eth(ip(A, B, tcp({ sport: 40000, dport: port, flags, payload: new Uint8Array(payload) })));
const s2c = (port: number, flags: number, payload = 0) => eth(ip(B, A, tcp({ sport: port, dport: 40000, flags, payload: new Uint8Array(payload) })));

test('FlowRef.established: false through the handshake (SYN, SYN/ACK, the initiator\'s ACK), true after it; never for a connection first seen mid-stream', () => {
  const dec = new FrameDecoder();
  const flows = new FlowStage(flowOptions());
  const seen = (frame: Uint8Array, t: number): [boolean, boolean] => {
    const pkt = dec.decode(frame, t);
    flows.onPacket(pkt);
    const l = pkt.innermost();
    return [pkt.flow!.established, isEstablishedBareAck(pkt, l) && wanted(pkt, l, true) === false];
  };
  assert.deepEqual(seen(c2s(22, SYN), 100), [false, false]);
  assert.deepEqual(seen(s2c(22, SYN | ACK), 100), [false, false]);
  assert.deepEqual(seen(c2s(22, ACK), 100), [false, false], 'the handshake ACK itself');
  assert.deepEqual(seen(c2s(22, ACK | PSH, 100), 101), [true, false], 'data: established, not bare');
  assert.deepEqual(seen(s2c(22, ACK), 101), [true, true], "the server's bare ACK");
  assert.deepEqual(seen(c2s(22, ACK), 101), [true, true], "the client's bare ACK");
  assert.deepEqual(seen(c2s(22, FIN | ACK), 102), [true, false], 'a FIN is not bare');
  // Mid-stream: no handshake seen, so never established (its ACKs still reach the detectors).
  assert.deepEqual(seen(c2s(23, ACK), 103), [false, false]);
  assert.deepEqual(seen(s2c(23, ACK), 103), [false, false]);
  assert.deepEqual(seen(c2s(23, ACK), 103), [false, false]);
});

test('the ring: bare ACKs of established connections stay off it; the handshake ACK, resets and DNS over TCP go on', () => {
  const dec = new FrameDecoder();
  const flows = new FlowStage(flowOptions());
  const want = (frame: Uint8Array, t: number): boolean => {
    const pkt = dec.decode(frame, t);
    flows.onPacket(pkt);
    return wanted(pkt, pkt.innermost(), true);
  };
  assert.equal(want(c2s(53, SYN), 1), true);
  assert.equal(want(s2c(53, SYN | ACK), 1), true);
  assert.equal(want(c2s(53, ACK), 1), true);
  const q = dns({ name: 'example.com' });
  const framed = new Uint8Array(q.length + 2);
  framed[1] = q.length;
  framed.set(q, 2);
  const dnsPkt = dec.decode(eth(ip(A, B, tcp({ sport: 40000, dport: 53, flags: ACK | PSH, payload: framed }))), 2);
  flows.onPacket(dnsPkt);
  assert.equal(dnsPkt.innermost().app, 1, 'decoded as DNS');
  assert.equal(wanted(dnsPkt, dnsPkt.innermost(), true), true, 'DNS over TCP');
  assert.equal(want(s2c(53, ACK), 2), false, 'bare ACK');
  assert.equal(want(s2c(53, RST | ACK), 3), true);
  for (const f of [c2s(80, SYN), s2c(80, SYN | ACK), c2s(80, ACK)]) want(f, 4);
  assert.equal(want(s2c(80, ACK | PSH, 10), 4), false, 'data that is not DNS');
  assert.equal(want(c2s(80, ACK), 4), false, 'bare ACK');
});

/**
 * 15 connections to B, each through its handshake, then data both ways for
 * over two minutes (its ACKs ride on the data), then a bare ACK from A that B
 * answers with a reset.
 */
function idleConnectionsReset(h: Harness): void {
  for (let p = 1; p <= 15; p++) {
    h.feed(c2s(p, SYN), 1 + p * 0.01);
    h.feed(s2c(p, SYN | ACK), 1 + p * 0.01 + 1e-4);
    h.feed(c2s(p, ACK), 1 + p * 0.01 + 2e-4);
  }
  for (let t = 10; t <= 130; t += 10) {
    for (let p = 1; p <= 15; p++) {
      h.feed(c2s(p, ACK | PSH, 20), t + p * 0.01);
      h.feed(s2c(p, ACK | PSH, 20), t + p * 0.01 + 1e-4);
    }
  }
  for (let p = 1; p <= 15; p++) {
    h.feed(c2s(p, ACK), 140 + p * 0.01);
    h.feed(s2c(p, RST), 140 + p * 0.01 + 1e-4);
  }
}

test('port scans: open connections reset after a bare ACK are not failed ACK probes (with the flow stage, which knows they are open)', async () => {
  const h = new Harness([new PortScanDetector(cfg.portscan)], { ...noSuppress, flows: true });
  idleConnectionsReset(h);
  await h.end(150);
  assert.deepEqual(h.signatures(), []);
  // Without flows the detector cannot tell: its record of each answered pair is gone after two minutes without a
  // packet it reads, so the bare ACK looks like a probe and the reset like its refusal.
  const bare = new Harness([new PortScanDetector(cfg.portscan)], noSuppress);
  idleConnectionsReset(bare);
  await bare.end(150);
  assert.deepEqual(bare.signatures(), ['Port Scan (vertical)']);
  assert.equal(bare.alerts[0]!.wirewatch.evidence.scan_type, 'ACK');
});

test('SYN floods: the handshake ACK still completes the half-open connection; the bare ACKs after it change nothing', async () => {
  const run = async (acksAfter: number): Promise<Record<string, number>> => {
    const h = new Harness([new FloodDetector(cfg.flood)], { ...noSuppress, flows: true });
    for (let p = 1; p <= 50; p++) {
      h.feed(c2s(1000 + p, SYN), 1 + p * 0.001);
      h.feed(s2c(1000 + p, SYN | ACK), 1 + p * 0.001 + 1e-5);
      h.feed(c2s(1000 + p, ACK), 1 + p * 0.001 + 2e-5);
      for (let i = 0; i < acksAfter; i++) h.feed(s2c(1000 + p, ACK), 1 + p * 0.001 + 3e-5 + i * 1e-6);
    }
    await h.end(3);
    assert.deepEqual(h.signatures(), []);
    return h.stage.stats();
  };
  const none = await run(0);
  assert.equal(none['flood.halfOpenSlotsUsed'], 0, 'every handshake ACK closed its half-open entry');
  assert.deepEqual(await run(5), none);
});
