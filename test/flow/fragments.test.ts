/**
 * IP fragments in flows: a fragmented datagram counts once, when it is
 * complete, with the first fragment's ports, the reassembled IP length
 * (Zeek's ip_bytes) and the completing frame's length (tshark's conv).
 * Frames are built byte by byte and decoded by the real decoder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A, B, frameOf, T0 } from './craft.js';
import { RawFrame } from '../../src/capture/frame.js';
import { Decoder } from '../../src/decode/decoder.js';
import { Packet } from '../../src/decode/packet.js';
import { FlowStage } from '../../src/flow/stage.js';
import { flowOptions } from '../../src/flow/options.js';
import type { FlowRecord } from '../../src/flow/record.js';
import { FragmentTracker } from '../../src/flow/fragments.js';

/** Splits an Ethernet + IPv4 frame into fragments carrying `chunk` payload bytes each (a multiple of 8). */
function fragment4(frame: Uint8Array, chunk: number, id: number): Uint8Array[] {
  const ip = 14;
  const hlen = (frame[ip]! & 15) * 4;
  const payload = frame.subarray(ip + hlen);
  const out: Uint8Array[] = [];
  for (let off = 0; off < payload.length; off += chunk) {
    const part = payload.subarray(off, Math.min(payload.length, off + chunk));
    const f = new Uint8Array(ip + hlen + part.length);
    f.set(frame.subarray(0, ip + hlen));
    f.set(part, ip + hlen);
    const total = hlen + part.length;
    f[ip + 2] = total >>> 8;
    f[ip + 3] = total & 255;
    f[ip + 4] = id >>> 8;
    f[ip + 5] = id & 255;
    const mf = off + chunk < payload.length ? 0x2000 : 0;
    const fo = mf | (off / 8);
    f[ip + 6] = fo >>> 8;
    f[ip + 7] = fo & 255;
    out.push(f);
  }
  return out;
}

/** Ethernet + IPv6 fragments of a UDP datagram (ports 5353 → 53, `len` payload bytes), fragment id `id`. */
function fragment6(len: number, chunk: number, id: number): Uint8Array[] {
  const udp = new Uint8Array(8 + len);
  udp.set([0x14, 0xe9, 0, 53, (8 + len) >>> 8, (8 + len) & 255, 0, 0]);
  const out: Uint8Array[] = [];
  for (let off = 0; off < udp.length; off += chunk) {
    const part = udp.subarray(off, Math.min(udp.length, off + chunk));
    const f = new Uint8Array(14 + 40 + 8 + part.length);
    f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd]);
    const p = 14;
    f[p] = 0x60;
    const plen = 8 + part.length;
    f[p + 4] = plen >>> 8;
    f[p + 5] = plen & 255;
    f[p + 6] = 44;
    f[p + 7] = 64;
    f.set([0x20, 0x01, 0x0d, 0xb8], p + 8);
    f[p + 23] = 1;
    f.set([0x20, 0x01, 0x0d, 0xb8], p + 24);
    f[p + 39] = 2;
    const fh = p + 40;
    f[fh] = 17;
    const fo = off | (off + chunk < udp.length ? 1 : 0);
    f[fh + 2] = fo >>> 8;
    f[fh + 3] = fo & 255;
    new DataView(f.buffer).setUint32(fh + 4, id);
    f.set(part, fh + 8);
    out.push(f);
  }
  return out;
}

function run(frames: readonly { t: number; data: Uint8Array }[]): { recs: FlowRecord[]; stage: FlowStage; flowOf: (number | null)[] } {
  const stage = new FlowStage(flowOptions('default'));
  const recs: FlowRecord[] = [];
  stage.addSink((r) => recs.push(r));
  const dec = new Decoder();
  const pkt = new Packet();
  const fr = new RawFrame();
  const flowOf: (number | null)[] = [];
  let n = 0;
  for (const { t, data } of frames) {
    fr.n = ++n;
    const us = T0 * 1e6 + t;
    fr.tsSec = Math.floor(us / 1e6);
    fr.tsNsec = (us - fr.tsSec * 1e6) * 1000;
    fr.origLen = fr.capLen = data.length;
    fr.linkType = 1;
    fr.data = data;
    dec.decode(fr, pkt);
    stage.onPacket(pkt);
    flowOf.push(pkt.flow === null ? null : pkt.flow.flowId);
    stage.onTick(fr.tsSec, fr.tsNsec);
  }
  stage.onEnd();
  return { recs, stage, flowOf };
}

test('IPv4: a datagram in three fragments, out of order, counts once with its ports and reassembled size', () => {
  const whole = frameOf({ t: 0, src: A, dst: B, sport: 4000, dport: 53, proto: 'udp', payload: 3000 });
  const [f0, f1, f2] = fragment4(whole, 1480, 0x1234);
  const reply = frameOf({ t: 0, src: B, dst: A, sport: 53, dport: 4000, proto: 'udp', payload: 10 });
  const { recs, stage, flowOf } = run([
    { t: 0, data: f1! },
    { t: 10, data: f0! },
    { t: 20, data: f2! },
    { t: 30, data: reply },
  ]);
  assert.equal(recs.length, 1, 'no port-less flow for the later fragments');
  const r = recs[0]!;
  assert.equal(r.proto, 'UDP');
  assert.deepEqual([r.src_ip, r.src_port, r.dest_ip, r.dest_port], ['10.0.0.1', 4000, '10.0.0.2', 53]);
  assert.equal(r.flow.pkts_toserver, 1);
  assert.equal(r.features.fwd_ip_bytes, 20 + 8 + 3000);
  assert.equal(r.flow.bytes_toserver, f2!.length, 'the completing frame length, as tshark');
  assert.equal(r.features.total_length_of_fwd_packet, 3000, 'CIC packet length: the reassembled UDP payload');
  assert.equal(r.flow.pkts_toclient, 1);
  assert.deepEqual(flowOf, [null, null, r.flow_id, r.flow_id], 'held fragments have no flow; the completing one has');
  assert.equal(stage.stats.fragmentsHeld, 2);
  assert.equal(stage.stats.reassembly.reassembled, 1);
  assert.equal(stage.stats.reassembly.pending, 0);
  assert.equal(stage.frags.bufferedBytes, 0);
});

test('IPv6: fragment header removed, the datagram counts once', () => {
  const frags = fragment6(2000, 1232, 0xa0000001);
  const { recs } = run(frags.map((data, i) => ({ t: i * 5, data })));
  assert.equal(recs.length, 1);
  const r = recs[0]!;
  assert.deepEqual([r.proto, r.src_ip, r.src_port, r.dest_ip, r.dest_port], ['UDP', '2001:db8::1', 5353, '2001:db8::2', 53]);
  assert.equal(r.flow.pkts_toserver, 1);
  assert.equal(r.features.fwd_ip_bytes, 40 + 8 + 2000);
});

test('a datagram not complete 30 s after its first fragment is dropped and counted', () => {
  const whole = frameOf({ t: 0, src: A, dst: B, sport: 4000, dport: 53, proto: 'udp', payload: 3000 });
  const [f0, f1, f2] = fragment4(whole, 1480, 7);
  const { recs, stage } = run([
    { t: 0, data: f0! },
    { t: 1e6, data: f1! },
    { t: 31e6, data: f2! },
  ]);
  assert.equal(recs.length, 0);
  assert.equal(stage.stats.reassembly.expired, 2, 'the first datagram timed out, the lone last fragment ended with the input');
  assert.equal(stage.stats.reassembly.reassembled, 0);
});

test('pending datagrams are bounded: the oldest is evicted beyond maxPending', () => {
  const tracker = new FragmentTracker({ maxPending: 2, maxBytes: 1 << 20, timeoutS: 30 });
  const dec = new Decoder();
  const pkt = new Packet();
  const fr = new RawFrame();
  const add = (id: number, which: number): Uint8Array | null => {
    const whole = frameOf({ t: 0, src: A, dst: B, sport: 4000, dport: 53, proto: 'udp', payload: 100 });
    const f = fragment4(whole, 64, id)[which]!;
    fr.data = f;
    fr.origLen = fr.capLen = f.length;
    fr.linkType = 1;
    dec.decode(fr, pkt);
    return tracker.add(pkt, f, 0);
  };
  assert.equal(add(1, 0), null);
  assert.equal(add(2, 0), null);
  assert.equal(add(3, 0), null);
  assert.equal(tracker.stats.evicted, 1);
  assert.equal(tracker.stats.pending, 2);
  assert.equal(add(1, 1), null, 'datagram 1 was evicted: its last fragment cannot complete it');
  assert.notEqual(add(3, 1), null, 'datagram 3 completes');
  assert.ok(tracker.stats.pending <= 2);
});

test('overlapping and duplicate fragments still complete the datagram once', () => {
  const whole = frameOf({ t: 0, src: A, dst: B, sport: 4000, dport: 53, proto: 'udp', payload: 3000 });
  const [f0, f1, f2] = fragment4(whole, 1480, 9);
  const { recs } = run([
    { t: 0, data: f0! },
    { t: 1, data: f0! },
    { t: 2, data: f2! },
    { t: 3, data: f1! },
  ]);
  assert.equal(recs.length, 1);
  assert.equal(recs[0]!.flow.pkts_toserver, 1);
  assert.equal(recs[0]!.features.fwd_ip_bytes, 3028);
});
