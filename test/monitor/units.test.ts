/** Unit tests of the monitoring building blocks: Space-Saving top-k, the rate ring, the log histogram, the TCP connection table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SpaceSaving } from '../../src/monitor/topk.js';
import { RateRing } from '../../src/monitor/rates.js';
import { LogHistogram } from '../../src/monitor/histogram.js';
import { TcpAnalyzer } from '../../src/monitor/tcp-analysis.js';
import { Layers, TcpFlag } from '../../src/decode/packet.js';


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

test('tcp analyzer: bounded table evicts the oldest connection, finds the others in either direction', () => {
  // A reference model: an insertion-ordered map from the direction-free 5-tuple, evicting its first key.
  fc.assert(
    fc.property(
      fc.array(fc.record({ a: fc.integer({ min: 0, max: 5 }), b: fc.integer({ min: 0, max: 5 }), p: fc.integer({ min: 0, max: 7 }), swap: fc.boolean() }), { minLength: 1, maxLength: 400 }),
      fc.integer({ min: 1, max: 12 }),
      (segs, bound) => {
        const tcp = new TcpAnalyzer(bound);
        const ref = new Map<string, true>();
        const l = new Layers();
        l.ipVersion = 4;
        l.hasTcp = true;
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
          tcp.onSegment(l, l.src4 | 0, l.dst4 | 0, 1, 0);
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
