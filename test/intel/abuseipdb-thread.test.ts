import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AbuseIpdbThread, type WorkerSetup } from '../../src/intel/abuseipdb-thread.js';
import { buildIntel } from '../../src/detect/build.js';
import { defaultDetectConfig } from '../../src/detect/config.js';
import { IntelDetector } from '../../src/detect/intel.js';
import { Harness, eth, ip, tcp } from '../detect/frames.js';
import type { ReputationLookups } from '../../src/intel/lookups.js';
import { FakeAbuseIpdb } from './abuseipdb-server.js';
import { tempDir } from '../helpers/temp-dir.js';

function setupOf(server: FakeAbuseIpdb, o: { key?: string; cacheFile?: string | null; timeoutMs?: number } = {}): WorkerSetup {
  return {
    client: {
      apiKey: o.key ?? server.validKey,
      baseUrl: server.url,
      maxAgeInDays: 90,
      timeoutMs: o.timeoutMs ?? 2000,
      concurrency: 4,
      maxQueue: 100,
      dailyBudget: 1000,
      errorTtlMs: 60_000,
    },
    cacheTtlMs: 3600_000,
    cacheSize: 1000,
    cacheFile: o.cacheFile ?? null,
  };
}

/** A local AbuseIPDB and a worker-thread front on it (no cache file). */
async function threadSetup(): Promise<{ server: FakeAbuseIpdb; client: AbuseIpdbThread }> {
  const server = new FakeAbuseIpdb();
  await server.start();
  const client = new AbuseIpdbThread(setupOf(server), () => {});
  await client.warmUp();
  return { server, client };
}

/** Runs `fn` on a fresh threadSetup, closing the front and the server after it. */
async function withThread(fn: (s: { server: FakeAbuseIpdb; client: AbuseIpdbThread }) => Promise<void>): Promise<void> {
  const s = await threadSetup();
  try {
    await fn(s);
  } finally {
    await s.client.close();
    await s.server.stop();
  }
}

/** An AbuseIPDB-only intel detector (threshold 50, 90 days) on `client`, in a harness without suppression. */
function intelHarness(client: ReputationLookups, o: { maxAddresses?: number; flows?: boolean } = {}): { det: IntelDetector; h: Harness } {
  const det = new IntelDetector({ lists: null, abuseipdb: client, threshold: 50, maxAgeInDays: 90, maxAddresses: o.maxAddresses ?? 1000, drainMs: 3000 });
  return { det, h: new Harness([det], { suppress: { ...defaultDetectConfig().suppress, enabled: false }, flows: o.flows }) };
}

test('worker thread: a look-up answered by the worker raises the alert naming the flow; close() ends the worker', async () => {
  const server = new FakeAbuseIpdb();
  await server.start();
  const logs: string[] = [];
  const client = new AbuseIpdbThread(setupOf(server), (m) => logs.push(m));
  try {
    server.delayMs = 50;
    server.scores.set('45.155.205.233', 90);
    const { det, h } = intelHarness(client);
    await det.ready();
    h.feed(eth(ip('45.155.205.233', '10.0.0.5', tcp({ sport: 4444, dport: 22, flags: 2 }))), 100.5);
    h.feed(eth(ip('10.0.0.5', '8.8.8.8', tcp({ sport: 5555, dport: 443, flags: 2 }))), 101);
    h.feed(eth(ip('10.0.0.6', '8.8.8.8', tcp({ sport: 5556, dport: 443, flags: 2 }))), 101.5);
    assert.equal(h.alerts.length, 0, 'the packet path did not wait');
    assert.equal(client.pending, 4, 'one look-up per new address: the look-up thread tells the private ones');
    await h.end(102);
    assert.equal(client.pending, 0);
    assert.deepEqual(server.requests.map((r) => r.ipAddress).sort(), ['45.155.205.233', '8.8.8.8'], 'private addresses are never sent');
    assert.deepEqual(h.signatures(), ['Dynamic Malicious Source IP']);
    const a = h.alerts[0]!;
    assert.equal(a.src_ip, '45.155.205.233');
    assert.equal(a.dest_port, 22);
    assert.equal(a.timestamp, '1970-01-01T00:01:40.500000Z');
    assert.equal(a.wirewatch.evidence.abuseConfidenceScore, 90);
    assert.equal(typeof a.wirewatch.evidence.answered_after_ms, 'number');
    // The verdict is now in this thread's copy of the cache: the next packet alerts at once, without a request.
    h.feed(eth(ip('10.0.0.7', '45.155.205.233', tcp({ sport: 1, dport: 2, flags: 2 }))), 200);
    assert.deepEqual(h.signatures(), ['Dynamic Malicious Source IP', 'Dynamic Malicious Destination IP']);
    assert.equal(h.alerts[1]!.wirewatch.evidence.cached, true);
    assert.equal(client.stats().requests, 2);
    assert.equal(client.stats().answered, 2);
    assert.equal(client.running, true);
    await det.close();
    assert.equal(client.running, false, 'the worker is terminated on close');
    assert.equal(await client.lookup('1.1.1.1'), null, 'no look-ups after close');
  } finally {
    await client.close();
    await server.stop();
  }
});

test('worker thread: the cache file persists across restarts and seeds the synchronous cache', async () => {
  const server = new FakeAbuseIpdb();
  await server.start();
  const file = join(tempDir('wwdet-intel-thread-'), 'cache.sqlite');
  try {
    server.scores.set('45.155.205.240', 99);
    const a = new AbuseIpdbThread(setupOf(server, { cacheFile: file }), () => {});
    await a.warmUp();
    assert.equal(a.cached('45.155.205.240'), undefined);
    assert.equal((await a.lookup('45.155.205.240'))?.score, 99);
    assert.equal(a.cached('45.155.205.240')?.score, 99);
    await a.close();
    const b = new AbuseIpdbThread(setupOf(server, { cacheFile: file }), () => {});
    await b.warmUp();
    assert.equal(b.cached('45.155.205.240')?.score, 99, 'known before any packet, from the file');
    assert.equal((await b.lookup('45.155.205.240'))?.score, 99);
    // A packet showing the address alerts at once (no look-up), from this thread's copy of the cache.
    const { h } = intelHarness(b);
    h.feed(eth(ip('10.0.0.5', '45.155.205.240', tcp({ sport: 5555, dport: 443, flags: 2 }))), 10);
    assert.deepEqual(h.signatures(), ['Dynamic Malicious Destination IP']);
    assert.equal(h.alerts[0]!.wirewatch.evidence.cached, true);
    assert.equal(h.alerts[0]!.wirewatch.evidence.ip, '45.155.205.240');
    await h.end(11);
    assert.equal(h.alerts.length, 1);
    assert.equal(server.requests.length, 1, 'answered from the file, no second request');
    await b.close();
  } finally {
    await server.stop();
  }
});

test('worker thread: a rejected key disables look-ups and is never logged; time-outs answer null', async () => {
  const server = new FakeAbuseIpdb();
  await server.start();
  const logs: string[] = [];
  const bad = new AbuseIpdbThread(setupOf(server, { key: 'wrong-secret-key-xyz' }), (m) => logs.push(m));
  try {
    await bad.warmUp();
    assert.equal(await bad.lookup('8.8.4.4'), null);
    assert.equal(bad.saturated, true, 'nothing more is queued once the key was rejected');
    assert.ok(bad.stats().disabled);
    assert.ok(logs.some((m) => m.includes('HTTP 401')));
    assert.ok(logs.every((m) => !m.includes('wrong-secret-key-xyz')));
  } finally {
    await bad.close();
  }
  const slow = new AbuseIpdbThread(setupOf(server, { timeoutMs: 100 }), (m) => logs.push(m));
  try {
    server.delayMs = 1000;
    assert.equal(await slow.lookup('9.9.9.9'), null);
    assert.equal(slow.stats().timeouts, 1);
  } finally {
    await slow.close();
    await server.stop();
  }
});

test('worker thread: a cache file that cannot be opened fails the set-up, naming the file', async () => {
  const dir = tempDir('wwdet-intel-thread-');
  const t = new AbuseIpdbThread({ ...setupOf(new FakeAbuseIpdb(), { cacheFile: dir }), client: { ...setupOf(new FakeAbuseIpdb()).client, baseUrl: 'http://127.0.0.1:9' } }, () => {});
  await assert.rejects(t.warmUp(), (e: Error) => e.message.includes(dir) && e.message.includes('cannot open SQLite database'));
  await t.close();
  assert.equal(t.running, false);
});

test('the built detector looks up through the worker thread', async () => {
  const server = new FakeAbuseIpdb();
  await server.start();
  try {
    server.scores.set('45.155.205.233', 80);
    const cfg = defaultDetectConfig();
    cfg.intel.abuseipdb.cacheDb = null;
    const det = buildIntel(cfg, { log: () => {}, env: { ABUSEIPDB_API_KEY: server.validKey, ABUSEIPDB_URL: server.url }, watchLists: false })!;
    await det.ready();
    const h = new Harness([det], { suppress: { ...cfg.suppress, enabled: false } });
    h.feed(eth(ip('10.0.0.5', '45.155.205.233', tcp({ sport: 5555, dport: 443, flags: 2 }))), 10);
    await h.end(11);
    assert.deepEqual(h.signatures(), ['Dynamic Malicious Destination IP']);
    assert.equal(det.stats()['abuseipdb.requests'], 1);
    await det.close();
  } finally {
    await server.stop();
  }
});

test('detector: private addresses are never sent; the answer raises the alert naming the flow; end of input awaits it', async () => {
  await withThread(async (s) => {
    s.server.delayMs = 100;
    s.server.scores.set('45.155.205.233', 51);
    s.server.scores.set('185.220.101.34', 50);
    const { h } = intelHarness(s.client);
    const p = h.feed(eth(ip('45.155.205.233', '10.0.0.5', tcp({ sport: 4444, dport: 22, flags: 2 }))), 100.25);
    assert.equal(p.hasTcp, true);
    h.feed(eth(ip('10.0.0.5', '185.220.101.34', tcp({ sport: 5555, dport: 443, flags: 2 }))), 101);
    assert.equal(h.alerts.length, 0, 'nothing yet: the packet path did not wait');
    await h.end(102);
    assert.deepEqual(s.server.requests.map((r) => r.ipAddress).sort(), ['185.220.101.34', '45.155.205.233']);
    assert.deepEqual(h.signatures(), ['Dynamic Malicious Source IP'], 'score 51 > 50 alerts, 50 does not');
    const a = h.alerts[0]!;
    assert.equal(a.src_ip, '45.155.205.233');
    assert.equal(a.dest_port, 22);
    assert.equal(a.timestamp, '1970-01-01T00:01:40.250000Z');
    assert.equal(a.wirewatch.evidence.abuseConfidenceScore, 51);
    // A later packet from the same address alerts at once from the cached state.
    h.feed(eth(ip('10.0.0.6', '45.155.205.233', tcp({ sport: 1, dport: 2, flags: 2 }))), 200);
    assert.deepEqual(h.signatures(), ['Dynamic Malicious Source IP', 'Dynamic Malicious Destination IP']);
    assert.equal(s.server.requests.length, 2);
  });
});

for (const flows of [false, true]) {
  test(`detector: packets of a pair skipped as quiet are checked again once an answer arrives (${flows ? 'with the flow stage: skipped by flow id' : 'no flow stage'})`, async () => {
    await withThread(async (s) => {
      s.server.delayMs = 50;
      s.server.scores.set('45.155.205.233', 90);
      const { h } = intelHarness(s.client, { flows });
      // The first packet asks; the next ones of the pair find both addresses known (one pending, one private) and skip the check.
      h.feed(eth(ip('45.155.205.233', '10.0.0.5', tcp({ sport: 4444, dport: 22, flags: 2 }))), 100);
      h.feed(eth(ip('10.0.0.5', '45.155.205.233', tcp({ sport: 22, dport: 4444, flags: 0x12 }))), 100.1);
      h.feed(eth(ip('45.155.205.233', '10.0.0.5', tcp({ sport: 4444, dport: 22, flags: 0x10 }))), 100.2);
      assert.equal(h.alerts.length, 0);
      // Wait (bounded) for the answer, which alerts by itself.
      for (let i = 0; i < 500 && h.alerts.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(h.signatures(), ['Dynamic Malicious Source IP']);
      // The pair is no longer quiet: its next packet is checked and alerts from the cached verdict.
      h.feed(eth(ip('10.0.0.5', '45.155.205.233', tcp({ sport: 22, dport: 4444, flags: 0x10 }))), 101);
      assert.deepEqual(h.signatures(), ['Dynamic Malicious Source IP', 'Dynamic Malicious Destination IP']);
      await h.end(102);
      assert.equal(s.server.requests.length, 1);
    });
  });
}

test('detector: IPv6 addresses are looked up by their text, special-purpose ones (IPv6 and IPv4-mapped) never', async () => {
  await withThread(async (s) => {
    s.server.scores.set('2a00:1450:4001:82a::200e', 95);
    const { h } = intelHarness(s.client);
    h.feed(eth(ip('2001:db8::5', '2a00:1450:4001:82a::200e', tcp({ sport: 5555, dport: 443, flags: 2 }))), 10);
    h.feed(eth(ip('fe80::1', '::ffff:10.1.2.3', tcp({ sport: 1, dport: 2, flags: 2 }))), 11);
    h.feed(eth(ip('2606:4700::1111', 'ff02::1', tcp({ sport: 3, dport: 4, flags: 2 }))), 12);
    await h.end(13);
    assert.deepEqual(s.server.requests.map((r) => r.ipAddress).sort(), ['2606:4700::1111', '2a00:1450:4001:82a::200e']);
    assert.deepEqual(h.signatures(), ['Dynamic Malicious Destination IP']);
    const a = h.alerts[0]!;
    assert.equal(a.dest_ip, '2a00:1450:4001:82a::200e');
    assert.equal(a.wirewatch.evidence.ip, '2a00:1450:4001:82a::200e');
    assert.equal(a.timestamp, '1970-01-01T00:00:10.000000Z');
  });
});

test('detector: an address evicted from the table while its look-up runs still alerts when answered, and is asked once', async () => {
  await withThread(async (s) => {
    s.server.delayMs = 100;
    s.server.scores.set('45.155.205.233', 90);
    // A table of two addresses: the private ones seen next push the pending one out.
    const { det, h } = intelHarness(s.client, { maxAddresses: 2 });
    h.feed(eth(ip('45.155.205.233', '10.0.0.5', tcp({ sport: 4444, dport: 22, flags: 2 }))), 10);
    for (let i = 1; i <= 5; i++) h.feed(eth(ip(`10.0.1.${i}`, `10.0.2.${i}`, tcp({ sport: 1, dport: 2, flags: 2 }))), 10 + i / 10);
    assert.ok(det.stats().addressesEvicted! >= 3);
    // Seen again while still pending: the same look-up, no second one.
    h.feed(eth(ip('10.0.0.9', '45.155.205.233', tcp({ sport: 5, dport: 6, flags: 2 }))), 11);
    await h.end(12);
    assert.equal(s.server.requests.length, 1);
    assert.deepEqual(h.signatures(), ['Dynamic Malicious Source IP']);
    assert.equal(h.alerts[0]!.src_port, 4444, 'the alert names the packet that first showed the address');
  });
});

test('detector: once nothing can be asked (key rejected), private addresses are still remembered, public ones skipped and counted', async () => {
  const server = new FakeAbuseIpdb();
  await server.start();
  const bad = new AbuseIpdbThread(setupOf(server, { key: 'wrong-secret-key-xyz' }), () => {});
  try {
    await bad.warmUp();
    assert.equal(await bad.lookup('8.8.4.4'), null);
    assert.equal(bad.saturated, true);
    const { det, h } = intelHarness(bad);
    h.feed(eth(ip('10.0.0.1', '8.8.8.8', tcp({ sport: 1, dport: 53, flags: 2 }))), 10);
    h.feed(eth(ip('10.0.0.1', '1.1.1.1', tcp({ sport: 2, dport: 53, flags: 2 }))), 11);
    h.feed(eth(ip('fd00::1', '2606:4700::1111', tcp({ sport: 3, dport: 53, flags: 2 }))), 12);
    await h.end(13);
    assert.equal(det.stats().addresses, 2, 'the two private addresses');
    assert.equal(det.stats().skippedSaturated, 3, 'the three public ones');
    assert.equal(server.requests.length, 1);
    assert.equal(h.alerts.length, 0);
  } finally {
    await bad.close();
    await server.stop();
  }
});
