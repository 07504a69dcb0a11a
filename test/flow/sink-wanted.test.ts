/** A flow sink that does not want records (a bus nobody listens to) is skipped, and no record is built for it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawFrame } from '../../src/capture/frame.js';
import { Decoder } from '../../src/decode/decoder.js';
import { Packet } from '../../src/decode/packet.js';
import { flowOptions } from '../../src/flow/options.js';
import type { FlowRecord } from '../../src/flow/record.js';
import { FlowStage } from '../../src/flow/stage.js';
import { A, B, frameOf, T0 } from './craft.js';

/** Three UDP flows, ended one per call of `end` (by the end of input for the last). */
function feed(stage: FlowStage, between: (i: number) => void): void {
  const dec = new Decoder();
  const pkt = new Packet();
  const fr = new RawFrame();
  for (let i = 0; i < 3; i++) {
    between(i);
    const data = frameOf({ t: 0, src: A, dst: B, sport: 1000 + i, dport: 53, proto: 'udp', payload: 10 });
    fr.n = i + 1;
    fr.tsSec = T0 + i * 1000;
    fr.tsNsec = 0;
    fr.origLen = fr.capLen = data.length;
    fr.linkType = 1;
    fr.data = data;
    dec.decode(fr, pkt);
    stage.onPacket(pkt);
    stage.onTick(fr.tsSec, 0);
  }
  between(3);
  stage.onEnd();
}

test('records go only to sinks that want them, and every flow is still counted', () => {
  const stage = new FlowStage(flowOptions('default', { idleUdpS: 60 }));
  const wantedRecs: FlowRecord[] = [];
  const unwantedCalls: FlowRecord[] = [];
  let wanted = false;
  stage.addSink((r) => wantedRecs.push(r), () => wanted);
  stage.addSink((r) => unwantedCalls.push(r), () => false);
  // Flow 0 ends (idle) while nobody wants records; flows 1 and 2 end while the first sink does.
  feed(stage, (i) => {
    wanted = i >= 2;
  });
  assert.equal(stage.stats.ended, 3);
  assert.equal(unwantedCalls.length, 0);
  assert.deepEqual(wantedRecs.map((r) => r.src_port), [1001, 1002]);
});

test('a sink added without a predicate always receives records', () => {
  const stage = new FlowStage(flowOptions('default', { idleUdpS: 60 }));
  const recs: FlowRecord[] = [];
  stage.addSink((r) => recs.push(r));
  feed(stage, () => {});
  assert.equal(recs.length, 3);
});
