import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AbuseIpdbClient, retryAfterMs } from '../../src/intel/abuseipdb.js';
import { ReputationCache } from '../../src/intel/cache.js';
import { FakeAbuseIpdb } from './abuseipdb-server.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Setup {
  server: FakeAbuseIpdb;
  client: AbuseIpdbClient;
  cache: ReputationCache;
  logs: string[];
}

async function setup(o: { key?: string; timeoutMs?: number; dailyBudget?: number; cacheFile?: string | null; now?: () => number } = {}): Promise<Setup> {
  const server = new FakeAbuseIpdb();
  await server.start();
  const cache = new ReputationCache(3600_000, 1000, o.cacheFile ?? null, o.now);
  const logs: string[] = [];
  const client = new AbuseIpdbClient({
    apiKey: o.key ?? server.validKey,
    baseUrl: server.url + '/',
    maxAgeInDays: 90,
    timeoutMs: o.timeoutMs ?? 2000,
    concurrency: 4,
    maxQueue: 100,
    dailyBudget: o.dailyBudget ?? 1000,
    errorTtlMs: 60_000,
    cache,
    log: (m) => logs.push(m),
    ...(o.now ? { now: o.now } : {}),
  });
  return { server, client, cache, logs };
}

test('sends the documented request and parses the score', async () => {
  const s = await setup();
  try {
    s.server.scores.set('203.0.113.66', 87);
    const r = await s.client.check('203.0.113.66');
    assert.equal(r?.score, 87);
    assert.equal(r?.totalReports, 42);
    assert.equal(r?.countryCode, 'NL');
    assert.deepEqual(s.server.requests, [{ path: '/api/v2/check', ipAddress: '203.0.113.66', maxAgeInDays: '90', key: s.server.validKey, accept: 'application/json' }]);
  } finally {
    await s.server.stop();
  }
});

test('one request per address per TTL: concurrent look-ups are de-duplicated, later ones hit the cache', async () => {
  let now = 1_800_000_000_000;
  const s = await setup({ now: () => now });
  try {
    const all = await Promise.all([s.client.check('8.8.8.8'), s.client.check('8.8.8.8'), s.client.check('8.8.8.8')]);
    assert.ok(all.every((r) => r?.score === 0));
    assert.equal((await s.client.check('8.8.8.8'))?.score, 0);
    assert.equal(s.server.requests.length, 1);
    assert.equal(s.client.stats().deduplicated, 2);
    now += 3600_000; // TTL (1 h) over: asked again.
    await s.client.check('8.8.8.8');
    assert.equal(s.server.requests.length, 2);
  } finally {
    await s.server.stop();
  }
});

test('the cache persists across restarts (SQLite file)', async () => {
  const file = join(tempDir('wwdet-intel-'), 'cache.sqlite');
  const a = await setup({ cacheFile: file });
  a.server.scores.set('198.51.100.7', 99);
  assert.equal((await a.client.check('198.51.100.7'))?.score, 99);
  a.cache.close();
  await a.server.stop();
  const b = await setup({ cacheFile: file });
  try {
    assert.equal((await b.client.check('198.51.100.7'))?.score, 99);
    assert.equal(b.server.requests.length, 0, 'answered from the file, no request');
  } finally {
    b.cache.close();
    await b.server.stop();
  }
});

test('401: look-ups are disabled, the key never appears in logs', async () => {
  const s = await setup({ key: 'wrong-secret-key-xyz' });
  try {
    assert.equal(await s.client.check('8.8.4.4'), null);
    assert.equal(await s.client.check('1.1.1.1'), null);
    assert.equal(s.server.requests.length, 1, 'no further requests after 401');
    assert.ok(s.client.stats().disabled);
    assert.ok(s.logs.some((m) => m.includes('HTTP 401')));
    assert.ok(s.logs.every((m) => !m.includes('wrong-secret-key-xyz')));
  } finally {
    await s.server.stop();
  }
});

test('429 with Retry-After pauses the queue and retries the address after the delay', async () => {
  const s = await setup();
  try {
    s.server.failNext = { status: 429, count: 1, retryAfter: '1' };
    s.server.scores.set('192.0.2.200', 60);
    const t0 = Date.now();
    const r = await s.client.check('192.0.2.200');
    assert.equal(r?.score, 60);
    assert.ok(Date.now() - t0 >= 950, 'waited for Retry-After');
    assert.equal(s.server.requests.length, 2);
    assert.equal(s.client.stats().rateLimited, 1);
    assert.equal(retryAfterMs('120', 0), 120_000);
    assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT')), 60_000);
  } finally {
    await s.server.stop();
  }
});

test('5xx: no answer, counted, not retried within the error TTL', async () => {
  const s = await setup();
  try {
    s.server.failNext = { status: 503, count: 1 };
    assert.equal(await s.client.check('9.9.9.9'), null);
    assert.equal(await s.client.check('9.9.9.9'), null);
    assert.equal(s.server.requests.length, 1);
    assert.equal(s.client.stats().errors, 1);
    assert.ok(s.logs.some((m) => m.includes('HTTP 503')));
  } finally {
    await s.server.stop();
  }
});

test('slow answers time out (AbortSignal.timeout) without blocking other look-ups', async () => {
  const s = await setup({ timeoutMs: 200 });
  try {
    s.server.delayMs = 1000;
    assert.equal(await s.client.check('4.4.4.4'), null);
    assert.equal(s.client.stats().timeouts, 1);
    assert.ok(s.logs.some((m) => m.includes('no answer within 200 ms')));
  } finally {
    await s.server.stop();
  }
});

test('the daily budget caps requests', async () => {
  const s = await setup({ dailyBudget: 2 });
  try {
    await s.client.check('5.5.5.1');
    await s.client.check('5.5.5.2');
    assert.equal(await s.client.check('5.5.5.3'), null);
    assert.equal(s.server.requests.length, 2);
    assert.equal(s.client.stats().budgetSkipped, 1);
    assert.ok(s.logs.some((m) => m.includes('daily budget of 2')));
  } finally {
    await s.server.stop();
  }
});
