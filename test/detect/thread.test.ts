/**
 * The DNS, port-scan and flood detectors in their worker thread give exactly
 * what they give on the packet thread: the same alerts of every detector, in the
 * same order, and the same counters, on real captures (the attack data sets
 * and the lab capture, with and without suppression and flows). Plus the
 * record round trip, counters before the end, and a failing worker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { join } from 'node:path';
import { defaultDetectConfig, type DetectConfig } from '../../src/detect/config.js';
import { buildDetectors } from '../../src/detect/build.js';
import { DetectStage } from '../../src/detect/stage.js';
import { ThreadedDetectors } from '../../src/detect/thread/threaded-detectors.js';
import { RecordFlowRef, packetSlots, readPacket, writePacket } from '../../src/detect/thread/record.js';
import { EventBus } from '../../src/events.js';
import { openCaptureFile } from '../../src/capture/open.js';
import { Decoder } from '../../src/decode/decoder.js';
import { App, Packet } from '../../src/decode/packet.js';
import { FlowStage } from '../../src/flow/stage.js';
import { flowOptions } from '../../src/flow/options.js';
import { Pipeline } from '../../src/pipeline.js';
import type { EveAlert } from '../../src/output/eve.js';
import { DATASETS, needShared } from '../helpers/env.js';

function config(threaded: boolean, suppress: boolean): DetectConfig {
  const c = defaultDetectConfig();
  c.detectorThread = threaded;
  c.suppress.enabled = suppress;
  return c;
}

/** Alerts (as published, in order) and counters of the default detectors over `file`. */
async function run(file: string, cfg: DetectConfig, withFlows: boolean): Promise<{ alerts: EveAlert[]; stats: Record<string, number>; threaded: boolean }> {
  const bus = new EventBus();
  const alerts: EveAlert[] = [];
  bus.on('alert', (r) => alerts.push(r as EveAlert));
  const dets = buildDetectors(cfg, { log: () => {}, env: {}, watchLists: false });
  const stage = new DetectStage(dets, { bus, mtu: 1500, suppress: cfg.suppress, log: () => {} });
  const stages = withFlows ? [new FlowStage(flowOptions()), stage] : [stage];
  if (withFlows) (stages[0] as FlowStage).addSink((r) => bus.emit('flow', r));
  await new Pipeline(await openCaptureFile(file), stages).run();
  const stats = stage.stats();
  await stage.close();
  return { alerts, stats, threaded: dets.some((d) => d instanceof ThreadedDetectors) };
}

test('threaded DNS, scan and flood detectors: the same alerts in the same order and the same counters as on the packet thread', async (t) => {
  if (!needShared(t)) return;
  const files = [join(DATASETS, 'lab', 'lab-mixed.pcap'), ...execSync(`find ${join(DATASETS, 'attacks')} -name '*.pcap' -o -name '*.pcapng'`, { encoding: 'utf8' }).trim().split('\n').sort()];
  let compared = 0;
  let scanFlood = 0;
  for (const f of files) {
    for (const [suppress, withFlows] of [[true, true], [false, true], [false, false]] as const) {
      const inline = await run(f, config(false, suppress), withFlows);
      const threaded = await run(f, config(true, suppress), withFlows);
      assert.equal(inline.threaded, false);
      assert.equal(threaded.threaded, true);
      const what = `${f} (suppress ${suppress}, flows ${withFlows})`;
      assert.deepEqual(threaded.alerts, inline.alerts, what);
      assert.deepEqual(threaded.stats, inline.stats, what);
      compared += inline.alerts.length;
      scanFlood += inline.alerts.filter((a) => /Scan|Sweep|Flood|Amplification|Reflection/.test(a.alert.signature)).length;
    }
  }
  // The comparison covers real alerts of both kinds of detector, interleaved with the packet thread's.
  t.diagnostic(`${compared} alerts compared, ${scanFlood} of them scan/flood`);
  assert.ok(compared > 500, `${compared} alerts compared`);
  assert.ok(scanFlood > 20, `${scanFlood} scan/flood alerts compared`);
});

test('counters read before the end wait for the worker: they equal the packet thread\'s at the same point', async (t) => {
  if (!needShared(t)) return;
  const file = join(DATASETS, 'lab', 'lab-mixed.pcap');
  const at: Array<Record<string, number>> = [];
  for (const threaded of [false, true]) {
    const cfg = config(threaded, true);
    const bus = new EventBus();
    const stage = new DetectStage(buildDetectors(cfg, { log: () => {}, env: {}, watchLists: false }), { bus, mtu: 1500, suppress: cfg.suppress, log: () => {} });
    let n = 0;
    let snapshot: Record<string, number> = {};
    const probe = { name: 'probe', onPacket: () => void (++n === 90_000 && (snapshot = stage.stats())) };
    await new Pipeline(await openCaptureFile(file), [new FlowStage(flowOptions()), stage, probe]).run();
    await stage.close();
    at.push(snapshot);
  }
  assert.ok((at[0]!['portscan.failedAttempts'] ?? 0) > 0, 'the lab capture has failed attempts by packet 90,000');
  assert.deepEqual(at[1], at[0]);
});

test('a packet record read back on the other side gives the detectors the same fields, flow, Community ID and DNS message', async (t) => {
  if (!needShared(t)) return;
  const u = new Uint32Array(16 * 1100);
  const f = new Float64Array(u.buffer);
  const b = new Uint8Array(u.buffer);
  let dnsChecked = 0;
  const back = new Packet();
  const ref = new RecordFlowRef(back);
  let checked = 0;
  for (const file of [join(DATASETS, 'lab', 'lab-mixed.pcap'), join(DATASETS, 'attacks', 'ddos', 'amp.dns.RRSIG.fragmented.pcap'), join(DATASETS, 'attacks', 'dns_tunnel', 'dns2tcp.pcap')]) {
    const dec = new Decoder();
    const pkt = new Packet();
    const flows = new FlowStage(flowOptions());
    await (await openCaptureFile(file)).run((fr) => {
      dec.decode(fr, pkt);
      flows.onPacket(pkt);
      const l = pkt.innermost();
      if (l.ipVersion === 0 || checked > 60_000) return;
      const n = packetSlots(pkt, l, true);
      writePacket(u, f, b, 0, n, 7, pkt, l, true);
      readPacket(u, f, b, 0, back, ref);
      for (const k of ['ipVersion', 'ipProto', 'hasTcp', 'hasUdp', 'hasIcmp', 'ipIsFragment', 'ipFragOffset', 'sport', 'dport', 'tcpFlags', 'tcpHdrLen', 'payloadLen', 'icmpType', 'icmpCode'] as const) {
        assert.equal(back[k], l[k], `${file} #${pkt.n} ${k}`);
      }
      assert.equal(back.len, pkt.len);
      assert.equal(back.tsSec, pkt.tsSec);
      assert.equal(back.tsNsec, pkt.tsNsec);
      if (l.ipVersion === 4) assert.deepEqual([back.src4, back.dst4], [l.src4, l.dst4]);
      else assert.deepEqual([...back.src6, ...back.dst6], [...l.src6, ...l.dst6]);
      assert.equal(back.hasQuoted, l.hasQuoted && l.quoted !== null && l.quoted.ipVersion !== 0);
      if (back.hasQuoted) assert.deepEqual([back.quoted!.sport, back.quoted!.dport, back.quoted!.hasTcp], [l.quoted!.sport, l.quoted!.dport, l.quoted!.hasTcp]);
      assert.equal(back.flow === null, pkt.flow === null);
      if (pkt.flow !== null) {
        assert.equal(back.flow!.flowId, pkt.flow.flowId);
        assert.equal(back.flow!.lastDirForward, pkt.flow.lastDirForward);
        assert.equal(back.flow!.established, pkt.flow.established);
        assert.equal(back.flow!.communityId, pkt.flow.communityId, `${file} #${pkt.n} community id`);
      }
      const isDns = l.app === App.Dns && l.dns.flavour === 'dns';
      assert.equal(back.app === App.Dns, isDns, `${file} #${pkt.n} DNS`);
      if (isDns) {
        const [m, r] = [l.dns, back.dns];
        assert.deepEqual([r.qr, r.rcode, r.transport, r.questionCount, r.answerCount], [m.qr, m.rcode, m.transport, m.questionCount, m.answerCount]);
        for (let i = 0; i < m.questionCount; i++) assert.deepEqual([r.questions[i]!.name, r.questions[i]!.type], [m.questions[i]!.name, m.questions[i]!.type]);
        for (let i = 0; i < m.answerCount; i++) assert.equal(r.answers[i]!.type, m.answers[i]!.type);
        dnsChecked++;
      }
      checked++;
    });
  }
  assert.ok(checked > 10_000);
  assert.ok(dnsChecked > 1000, `${dnsChecked} DNS messages checked`);
});

test('a worker that fails makes the next wait for it throw, naming the detectors\' thread', async () => {
  const g = new ThreadedDetectors({ dns: null, dnsModel: null, portscan: defaultDetectConfig().portscan, flood: null });
  // A record of an unknown flow-key layout cannot fail the detectors; a worker killed from outside can.
  const w = (g as unknown as { producer: { worker: { terminate(): Promise<number> } } }).producer.worker;
  await w.terminate();
  assert.throws(() => g.stats(), /the detectors' thread failed/);
  g.close();
});
