/** Unit tests of the monitoring building blocks: Space-Saving top-k, the rate ring, the log histogram, the TCP connection table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SpaceSaving } from '../../src/monitor/topk.js';
import { RateRing } from '../../src/monitor/rates.js';
import { LogHistogram } from '../../src/monitor/histogram.js';
import { TcpAnalyzer } from '../../src/monitor/tcp-analyzer.js';
import { Layers, TcpFlag } from '../../src/decode/packet.js';
import { MonitorStage } from '../../src/monitor/monitor-stage.js';
import { Metrics } from '../../src/monitor/metrics.js';
import { EventBus } from '../../src/events.js';
import { classify, ProtocolMix } from '../../src/monitor/protocol-mix.js';
import { openCaptureFile } from '../../src/capture/open.js';
import { Pipeline } from '../../src/pipeline.js';
import type { Packet } from '../../src/decode/packet.js';
import { corpusFile, needShared } from '../helpers/env.js';
import { dstKey, loadAddrWords, srcKey, v6Key } from '../../src/util/addr-key.js';


test('space-saving: exact while keys fit, bounded error beyond', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 2000 }), fc.integer({ min: 4, max: 80 }), (items, cap) => {
      const ss = new SpaceSaving(cap);
      const truth = new Map<number, number>();
      for (const k of items) {
        ss.add(k, 1, 1, k, 0, 0, 7);
        truth.set(k, (truth.get(k) ?? 0) + 1);
      }
      const bound = items.length / cap;
      assert.ok(ss.errorBound <= bound + 1e-9);
      for (const e of ss.top(cap)) {
        const t = truth.get(e.key) ?? 0;
        // Over-estimate only, by at most the entry's error, which is at most N/capacity.
        assert.ok(e.count >= t, `count ${e.count} < true ${t}`);
        assert.ok(e.count - t <= e.error + 1e-9);
        assert.ok(e.error <= bound + 1e-9);
        assert.deepEqual(e.tag, [e.key, 0, 0, 7], 'tag words travel with the key');
      }
      // Every key heavier than N/capacity is present.
      const present = new Set(ss.top(cap).map((e) => e.key));
      for (const [k, t] of truth) if (t > bound) assert.ok(present.has(k), `heavy key ${k} (${t}) missing`);
      if (truth.size <= cap) for (const e of ss.top(cap)) assert.equal(e.count, truth.get(e.key));
    }),
    { numRuns: 200 },
  );
});

test('space-saving: ranking by the auxiliary weight', () => {
  const ss = new SpaceSaving(10);
  ss.add(1, 1000, 1);
  ss.add(2, 10, 5);
  assert.deepEqual(ss.top(2).map((e) => e.key), [1, 2]);
  assert.deepEqual(ss.top(2, 'aux').map((e) => e.key), [2, 1]);
});

test('rate ring: per-second counts, idle seconds are zero, windows average complete seconds', () => {
  const r = new RateRing();
  r.add(100, 10);
  r.add(100, 30);
  r.add(101, 5);
  r.add(104, 100);
  assert.deepEqual(r.at(100), { pkts: 2, bytes: 40 });
  assert.deepEqual(r.at(102), { pkts: 0, bytes: 0 });
  assert.deepEqual(r.at(104), { pkts: 1, bytes: 100 });
  // Complete seconds 100..103: 3 packets, 45 bytes over 4 s.
  assert.deepEqual(r.average(60), { pps: 3 / 4, bps: 45 / 4 });
  assert.deepEqual(r.average(2), { pps: 0, bps: 0 });
  // A jump beyond the ring forgets everything.
  r.add(1000, 1);
  assert.deepEqual(r.at(104), { pkts: 0, bytes: 0 });
});

test('log histogram: quantiles within half a bucket (±6.25%)', () => {
  const h = new LogHistogram();
  const xs: number[] = [];
  for (let i = 1; i <= 1000; i++) {
    const v = i * 1e-4;
    xs.push(v);
    h.add(v);
  }
  for (const q of [0.5, 0.9, 0.99]) {
    const exact = xs[Math.ceil(q * xs.length) - 1]!;
    const got = h.quantile(q);
    assert.ok(Math.abs(got - exact) / exact <= 0.0625, `q${q}: ${got} vs ${exact}`);
  }
  assert.equal(h.count, 1000);
  h.add(NaN);
  h.add(-1);
  assert.equal(h.count, 1000, 'invalid samples are ignored');
});

/** A Layers object for TCP/IPv4 segments, its addresses, ports and TCP fields set per segment. */
function tcpLayers(): Layers {
  const l = new Layers();
  l.ipVersion = 4;
  l.hasTcp = true;
  return l;
}

/** The flag combinations of the random segments below: handshakes, data, closes and resets. */
function segmentFlags(): fc.Arbitrary<number> {
  return fc.constantFrom(TcpFlag.SYN, TcpFlag.SYN | TcpFlag.ACK, TcpFlag.ACK, TcpFlag.ACK | TcpFlag.PSH, TcpFlag.FIN | TcpFlag.ACK, TcpFlag.RST);
}

/** Records the RTT samples each analyzer reports (as text, in order). */
function recordSamples(...analyzers: TcpAnalyzer[]): string[][] {
  return analyzers.map((t) => {
    const out: string[] = [];
    t.onRtt = (k, v) => out.push(`${k}${v}`);
    return out;
  });
}

test('tcp analyzer: bounded table evicts the oldest connection, finds the others in either direction', () => {
  // A reference model: an insertion-ordered map from the direction-free 5-tuple, evicting its first key.
  fc.assert(
    fc.property(
      fc.array(fc.record({ a: fc.integer({ min: 0, max: 5 }), b: fc.integer({ min: 0, max: 5 }), p: fc.integer({ min: 0, max: 7 }), swap: fc.boolean() }), { minLength: 1, maxLength: 400 }),
      fc.integer({ min: 1, max: 12 }),
      (segs, bound) => {
        const tcp = new TcpAnalyzer(bound);
        const ref = new Map<string, true>();
        const l = tcpLayers();
        l.tcpFlags = TcpFlag.ACK;
        let evicted = 0;
        for (const s of segs) {
          const [src, sport, dst, dport] = s.swap ? [s.b, 80, s.a, 1000 + s.p] : [s.a, 1000 + s.p, s.b, 80];
          l.src4 = (0x0a000000 + src) >>> 0;
          l.dst4 = (0x0a000000 + dst) >>> 0;
          l.sport = sport;
          l.dport = dport;
          const key = `${s.a}:${1000 + s.p}-${s.b}:80`;
          const before = tcp.totals.connections;
          tcp.onSegment(l, l.src4 | 0, l.dst4 | 0, 1, 0, 60);
          const isNew = !ref.has(key);
          assert.equal(tcp.totals.connections - before, isNew ? 1 : 0, `segment of ${key}`);
          if (isNew) {
            if (ref.size >= bound) {
              ref.delete(ref.keys().next().value!);
              evicted++;
            }
            ref.set(key, true);
          }
          assert.equal(tcp.size, ref.size);
          assert.equal(tcp.totals.evicted, evicted);
        }
      },
    ),
  );
});

test('tcp analyzer: queued segments give the results of segment-by-segment analysis, whenever they are read', () => {
  // One connection's segments with random flags, sequence numbers, lengths and windows, from either side:
  // one analyzer is read after every segment (its queue never holds more than one), the other only at
  // the end (its queue fills and drains QUEUE at a time). Counts, RTT samples and their order must agree.
  fc.assert(
    fc.property(
      fc.array(
        fc.record({ fromA: fc.boolean(), flags: segmentFlags(), seq: fc.integer({ min: 0, max: 3000 }), ack: fc.integer({ min: 0, max: 3000 }), len: fc.constantFrom(0, 0, 1, 100, 1000), win: fc.constantFrom(0, 65535), dt: fc.integer({ min: 0, max: 5000 }) }),
        { minLength: 1, maxLength: 700 },
      ),
      (segs) => {
        const eager = new TcpAnalyzer();
        const lazy = new TcpAnalyzer();
        const samples = recordSamples(eager, lazy);
        const l = tcpLayers();
        let us = 0;
        for (const s of segs) {
          l.src4 = s.fromA ? 0xc6120001 : 0xc6120002;
          l.dst4 = s.fromA ? 0xc6120002 : 0xc6120001;
          l.sport = s.fromA ? 40000 : 80;
          l.dport = s.fromA ? 80 : 40000;
          l.tcpFlags = s.flags;
          l.tcpSeq = s.seq;
          l.tcpAck = s.ack;
          l.payloadLen = s.len;
          l.tcpWindow = s.win;
          us += s.dt;
          const sec = 1_700_000_000 + Math.floor(us / 1e6);
          const nsec = (us % 1e6) * 1000;
          eager.onSegment(l, l.src4 | 0, l.dst4 | 0, sec, nsec, 60);
          lazy.onSegment(l, l.src4 | 0, l.dst4 | 0, sec, nsec, 60);
          assert.ok(eager.totals.connections === 1);
        }
        assert.deepEqual(lazy.totals, eager.totals);
        assert.deepEqual(samples[1], samples[0]);
        for (const h of ['handshakeRtt', 'dataRtt'] as const) {
          assert.equal(lazy[h].count, eager[h].count);
          assert.equal(lazy[h].mean, eager[h].mean);
          assert.equal(lazy[h].quantile(0.9), eager[h].quantile(0.9));
        }
      },
    ),
    { numRuns: 60 },
  );
});

test('metrics: a scrape sees the RTT samples of segments still queued for analysis', async () => {
  const monitor = new MonitorStage(null);
  const metrics = new Metrics(monitor, new EventBus());
  assert.equal(monitor.tcp.threaded, true, 'the monitor analyses TCP in a worker thread by default');
  const l = tcpLayers();
  const seg = (fromA: boolean, flags: number, seq: number, ack: number, usec: number): void => {
    l.src4 = fromA ? 0xc6120001 : 0xc6120002;
    l.dst4 = fromA ? 0xc6120002 : 0xc6120001;
    l.sport = fromA ? 40000 : 80;
    l.dport = fromA ? 80 : 40000;
    l.tcpFlags = flags;
    l.tcpSeq = seq;
    l.tcpAck = ack;
    monitor.tcp.onSegment(l, l.src4 | 0, l.dst4 | 0, 1_700_000_000, usec * 1000, 60);
  };
  // A handshake of 3 segments: far fewer than the queue holds, so nothing was analysed yet.
  seg(true, TcpFlag.SYN, 100, 0, 0);
  seg(false, TcpFlag.SYN | TcpFlag.ACK, 500, 101, 1500);
  seg(true, TcpFlag.ACK, 101, 501, 3000);
  const text = await metrics.text();
  assert.match(text, /^wirewatch_tcp_handshake_rtt_seconds_count 1$/m);
  assert.match(text, /^wirewatch_tcp_handshake_rtt_seconds_bucket\{le="0.005"\} 1$/m);
  assert.match(text, /^wirewatch_tcp_handshake_rtt_seconds_bucket\{le="0.001"\} 0$/m);
  monitor.tcp.close();
});

/** A segment for the TCP analyzer tests: connection `conn` (client 198.18.0.1:conn+1024 ↔ server 198.18.1.x:80). */
interface Seg {
  conn: number;
  fromClient: boolean;
  flags: number;
  seq: number;
  ack: number;
  len: number;
  win: number;
  usec: number;
}

function feed(tcp: TcpAnalyzer, l: Layers, s: Seg): void {
  const client = 0xc6120001;
  const server = (0xc6120100 + (s.conn % 200)) >>> 0;
  const cport = 1024 + s.conn;
  l.src4 = s.fromClient ? client : server;
  l.dst4 = s.fromClient ? server : client;
  l.sport = s.fromClient ? cport : 80;
  l.dport = s.fromClient ? 80 : cport;
  l.tcpFlags = s.flags;
  l.tcpSeq = s.seq;
  l.tcpAck = s.ack;
  l.payloadLen = s.len;
  l.tcpWindow = s.win;
  tcp.onSegment(l, l.src4 | 0, l.dst4 | 0, 1_700_000_000 + Math.floor(s.usec / 1e6), (s.usec % 1e6) * 1000, 60);
}

/** Reads everything an analyzer reports, as one comparable value. */
function results(tcp: TcpAnalyzer): unknown {
  const h = (x: LogHistogram) => [x.count, x.sum, x.min, x.max, x.quantile(0.5), x.quantile(0.99)];
  return { totals: tcp.totals, size: tcp.size, hs: h(tcp.handshakeRtt), data: h(tcp.dataRtt) };
}

test('tcp analyzer: the worker thread gives the inline results and RTT samples, in order, read at any point', () => {
  // Random segments over a few connections (flags, numbers and lengths at random, so retransmissions,
  // out-of-order segments, zero windows and resets all occur), fed to an inline analyzer and to a
  // threaded one; the threaded one is read at random points (a read waits for the worker).
  const seg = fc.record({
    conn: fc.integer({ min: 0, max: 6 }),
    fromClient: fc.boolean(),
    flags: segmentFlags(),
    seq: fc.integer({ min: 0, max: 3000 }),
    ack: fc.integer({ min: 0, max: 3000 }),
    len: fc.constantFrom(0, 0, 1, 100, 1000),
    win: fc.constantFrom(0, 65535),
    usec: fc.integer({ min: 0, max: 5000 }),
    readHere: fc.boolean(),
  });
  fc.assert(
    fc.property(fc.array(seg, { minLength: 1, maxLength: 600 }), fc.integer({ min: 1, max: 8 }), (segs, bound) => {
      const inline = new TcpAnalyzer(bound);
      const threaded = new TcpAnalyzer(bound, { thread: true });
      try {
        assert.equal(threaded.threaded, true);
        const samples = recordSamples(inline, threaded);
        const l = tcpLayers();
        let usec = 0;
        for (const s of segs) {
          usec += s.usec;
          feed(inline, l, { ...s, usec });
          feed(threaded, l, { ...s, usec });
          if (s.readHere) assert.deepEqual(results(threaded), results(inline));
        }
        assert.deepEqual(results(threaded), results(inline));
        assert.deepEqual(samples[1], samples[0]);
      } finally {
        threaded.close();
      }
    }),
    { numRuns: 25 },
  );
});

test('tcp analyzer: the worker thread keeps up with more segments than its ring and more samples than its sample ring', () => {
  // 3,000 handshakes and one data exchange each: 15,000 segments (the ring holds 4,096) and 12,000 RTT
  // samples (the sample ring holds 1,024: per connection the handshake, and data RTTs for the SYN, the
  // SYN/ACK and the data segment), read only at the end: the packet thread must wait for room in
  // the ring and pass samples on while it waits, and the worker must wait for room for its samples.
  const inline = new TcpAnalyzer(100_000);
  const threaded = new TcpAnalyzer(100_000, { thread: true });
  const samples = recordSamples(inline, threaded);
  const l = tcpLayers();
  let usec = 0;
  const both = (s: Omit<Seg, 'usec' | 'win'>): void => {
    usec += 37;
    for (const t of [inline, threaded]) feed(t, l, { ...s, win: 65535, usec });
  };
  for (let conn = 0; conn < 3000; conn++) {
    both({ conn, fromClient: true, flags: TcpFlag.SYN, seq: 1000, ack: 0, len: 0 });
    both({ conn, fromClient: false, flags: TcpFlag.SYN | TcpFlag.ACK, seq: 5000, ack: 1001, len: 0 });
    both({ conn, fromClient: true, flags: TcpFlag.ACK, seq: 1001, ack: 5001, len: 0 });
    both({ conn, fromClient: true, flags: TcpFlag.ACK | TcpFlag.PSH, seq: 1001, ack: 5001, len: 100 });
    both({ conn, fromClient: false, flags: TcpFlag.ACK, seq: 5001, ack: 1101, len: 0 });
  }
  try {
    const r = results(threaded) as { totals: { handshakes: number } };
    assert.equal(r.totals.handshakes, 3000);
    assert.deepEqual(r, results(inline));
    assert.equal(samples[1]!.length, 12_000);
    assert.deepEqual(samples[1], samples[0]);
  } finally {
    threaded.close();
  }
  // Closed: the results stay readable, a further segment is refused.
  assert.equal(threaded.totals.handshakes, 3000);
  assert.throws(() => feed(threaded, l, { conn: 1, fromClient: true, flags: TcpFlag.ACK, seq: 1, ack: 1, len: 0, win: 1, usec: 0 }), /after close/);
});

test('tcp analyzer: one-slot records (IPv4) and two-slot ones (IPv6, a new second, 64 KiB or more) analyse alike', () => {
  // The same segments over a few connections, once between IPv4 hosts (one-slot records, but a new
  // second, a frame or payload of 64 KiB or more, or nanoseconds past 2^30 (a corrupt capture) take
  // two) and once between IPv6 hosts (every record two slots, as every segment's was before
  // records had two sizes): the analysis must not tell them apart, inline or threaded, read at any
  // point (a read hands over early, and two-slot records then meet the end of a hand-over, and of the ring, elsewhere).
  const seg = fc.record({
    conn: fc.integer({ min: 0, max: 4 }),
    fromClient: fc.boolean(),
    flags: segmentFlags(),
    seq: fc.integer({ min: 0, max: 200_000 }),
    ack: fc.integer({ min: 0, max: 200_000 }),
    len: fc.constantFrom(0, 0, 1, 100, 1000, 65535, 70_000),
    frame: fc.constantFrom(60, 1514, 65535, 70_054),
    win: fc.constantFrom(0, 65535),
    usec: fc.constantFrom(0, 7, 1500, 300_000, 2_000_000),
    corruptNsec: fc.integer({ min: 0, max: 30 }),
    readHere: fc.integer({ min: 0, max: 40 }),
  });
  fc.assert(
    fc.property(fc.array(seg, { minLength: 1, maxLength: 1200 }), (segs) => {
      const v6inline = new TcpAnalyzer(100);
      const others = [new TcpAnalyzer(100), new TcpAnalyzer(100, { thread: true }), new TcpAnalyzer(100, { thread: true })];
      const v6 = [true, false, false, true];
      const all = [v6inline, ...others];
      try {
        const samples = recordSamples(...all);
        const l = tcpLayers();
        let usec = 0;
        for (const s of segs) {
          usec += s.usec;
          const sec = 1_700_000_000 + Math.floor(usec / 1e6);
          const nsec = s.corruptNsec === 0 ? 1_500_000_000 : (usec % 1e6) * 1000;
          const client = 1;
          const server = 0x100 + s.conn;
          const [src, dst] = s.fromClient ? [client, server] : [server, client];
          l.sport = s.fromClient ? 1024 + s.conn : 80;
          l.dport = s.fromClient ? 80 : 1024 + s.conn;
          l.tcpFlags = s.flags;
          l.tcpSeq = s.seq;
          l.tcpAck = s.ack;
          l.payloadLen = s.len;
          l.tcpWindow = s.win;
          all.forEach((tcp, i) => {
            if (v6[i]) {
              l.ipVersion = 6;
              l.src6.set([0x20010db8, 0, 0, src]);
              l.dst6.set([0x20010db8, 0, 0, dst]);
              tcp.onSegment(l, v6Key(l.src6), v6Key(l.dst6), sec, nsec, s.frame);
            } else {
              l.ipVersion = 4;
              l.src4 = (0xc6120000 + src) >>> 0;
              l.dst4 = (0xc6120000 + dst) >>> 0;
              tcp.onSegment(l, l.src4 | 0, l.dst4 | 0, sec, nsec, s.frame);
            }
          });
          if (s.readHere === 0) for (const tcp of others) assert.deepEqual(results(tcp), results(v6inline));
        }
        for (const tcp of others) assert.deepEqual(results(tcp), results(v6inline));
        for (const out of samples.slice(1)) assert.deepEqual(out, samples[0]);
      } finally {
        for (const tcp of all) tcp.close();
      }
    }),
    { numRuns: 30 },
  );
});

test('tcp analyzer: a read after the worker died throws instead of returning stale results', async () => {
  const tcp = new TcpAnalyzer(100, { thread: true });
  const l = tcpLayers();
  feed(tcp, l, { conn: 1, fromClient: true, flags: TcpFlag.SYN, seq: 1, ack: 0, len: 0, win: 1000, usec: 0 });
  assert.equal(tcp.totals.connections, 1);
  // The worker is private (behind the ring's producer): end it as a crash would.
  await (tcp as unknown as { producer: { worker: { terminate(): Promise<number> } } }).producer.worker.terminate();
  await new Promise((r) => setImmediate(r));
  assert.throws(() => tcp.totals, /analysis thread failed: Error: it exited/);
});

test('protocol mix: the TCP share counted by the TCP analysis (threaded or inline) equals classifying every packet', async (t) => {
  if (!needShared(t)) return;
  // TCP with recognised payloads (TLS ClientHello, HTTP requests, DNS over TCP; some on ports that say otherwise) and port fall-backs, over IPv4 and IPv6, and tunnels.
  for (const rel of ['pcapplusplus/many-protocols.pcap', 'tcpdump/dns_tcp.pcap', 'pcapplusplus/tls2.pcap', 'pcapplusplus/four_ipv6_http_streams.pcap', 'pcapplusplus/GrePackets.cap', 'arkime/wireshark-retrans.pcap', 'ndpi/gnutella.pcap', 'zeek/http/get-to-ssh-server.pcap', 'suricata-verify/http-ipv6.pcap']) {
    const reference = new ProtocolMix();
    let tcp = 0;
    const every = { name: 'classify-every-packet', onPacket: (p: Packet): void => {
      const l = p.innermost();
      if (l.hasTcp) tcp++;
      reference.add(classify(l), p.len);
    } };
    const threaded = new MonitorStage(null, { tcpThread: true });
    const inline = new MonitorStage(null, { tcpThread: false });
    await new Pipeline(await openCaptureFile(corpusFile(rel)), [every, threaded, inline]).run();
    assert.ok(tcp > 0, `${rel}: has TCP`);
    for (const m of [threaded, inline]) {
      assert.deepEqual(m.mix.l3.toJSON(), reference.l3.toJSON(), `${rel}: l3`);
      assert.deepEqual(m.mix.l4.toJSON(), reference.l4.toJSON(), `${rel}: l4`);
      assert.deepEqual(m.mix.app.toJSON(), reference.app.toJSON(), `${rel}: app`);
    }
  }
});

test('top talkers and ports: kept by the analysis (threaded or inline), read at any point, equal Space-Saving fed every packet on the packet thread', async (t) => {
  if (!needShared(t)) return;
  // Small tables, so that keys are evicted; IPv4 and IPv6 talkers, TCP and UDP ports, tunnels.
  const cap = 6;
  for (const rel of ['pcapplusplus/many-protocols.pcap', 'pcapplusplus/four_ipv6_http_streams.pcap', 'suricata-verify/http-ipv6.pcap', 'pcapplusplus/GrePackets.cap', 'ndpi/1kxun.pcap', 'tcpdump/dns_tcp.pcap']) {
    // A read commits a table's cache, which changes which keys a full table evicts later: the
    // analyzer read mid-stream is compared with reference tables read at the same packets.
    const [talkers, talkersRead] = [new SpaceSaving(cap), new SpaceSaving(cap)];
    const [ports, portsRead] = [new SpaceSaving(cap), new SpaceSaving(cap)];
    const words = new Uint32Array(4);
    const every = { name: 'every-packet', onPacket: (p: Packet): void => {
      const l = p.innermost();
      if (l.ipVersion === 0) return;
      loadAddrWords(l, true, words);
      for (const tk of [talkers, talkersRead]) tk.add(srcKey(l), p.len, 1, words[0], words[1], words[2], words[3]);
      loadAddrWords(l, false, words);
      for (const tk of [talkers, talkersRead]) tk.add(dstKey(l), p.len, 1, words[0], words[1], words[2], words[3]);
      if (l.hasTcp || l.hasUdp) for (const pt of [ports, portsRead]) pt.add((l.hasTcp ? 0x10000 : 0x20000) | Math.min(l.sport, l.dport), 1, p.len);
    } };
    const threaded = new MonitorStage(null, { tcpThread: true, topCapacity: cap });
    const inline = new MonitorStage(null, { tcpThread: false, topCapacity: cap });
    const readEarly = new MonitorStage(null, { tcpThread: true, topCapacity: cap });
    let n = 0;
    // Reads one analyzer's tables every 97 packets: each read flushes the pending runs and caches mid-stream.
    const reader = { name: 'reader', onPacket: (): void => {
      if (++n % 97 !== 0) return;
      assert.equal(readEarly.talkers.totalWeight, talkersRead.totalWeight, `${rel}: talker weight at packet ${n}`);
      assert.equal(readEarly.ports.totalWeight, portsRead.totalWeight, `${rel}: port weight at packet ${n}`);
    } };
    await new Pipeline(await openCaptureFile(corpusFile(rel)), [every, threaded, inline, readEarly, reader]).run();
    assert.ok(talkers.totalWeight > 0, `${rel}: has IP packets`);
    const cases = [[threaded, talkers, ports], [inline, talkers, ports], [readEarly, talkersRead, portsRead]] as const;
    for (const [m, tk, pt] of cases) {
      for (const by of ['count', 'aux'] as const) {
        assert.deepEqual(m.talkers.top(cap, by), tk.top(cap, by), `${rel}: talkers by ${by}`);
        assert.deepEqual(m.ports.top(cap, by), pt.top(cap, by), `${rel}: ports by ${by}`);
      }
      assert.equal(m.talkers.errorBound, tk.errorBound, `${rel}: error bound`);
    }
  }
});
