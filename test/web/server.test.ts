/**
 * The dashboard server without a browser: a server bound beyond loopback
 * refuses requests without its token (HTTP and WebSocket), /metrics parses as
 * Prometheus text, and `--db` holds every alert and flow of the run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WebSocket } from 'ws';
import { corpusFile, needShared } from '../helpers/env.js';
import { runCli } from '../cli/run-cli.js';
import { startDashboard } from './dashboard-process.js';
import { parsePrometheusText } from './prometheus-text.js';

const SCAN = 'ndpi/synscan.pcap';

/** Status of a WebSocket upgrade to `url` (101 when accepted). */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (e) => reject(e));
  });
}

test('bound beyond loopback, every request needs the token', async (t) => {
  if (!needShared(t)) return;
  const run = await startDashboard(['read', corpusFile(SCAN), '--realtime', '--speed', '1', '--web', '0', '--web-host', '0.0.0.0', '-q', '--no-summary-table']);
  try {
    assert.ok(run.token !== null && run.token.length >= 32, 'a generated token is printed with the URL');
    const token = run.token;
    const base = `http://127.0.0.1:${run.port}`;
    for (const path of ['/', '/app.js', '/metrics', '/?token=wrong', '/../../etc/passwd']) {
      assert.equal((await fetch(base + path)).status, 401, `${path} without the token`);
    }
    assert.equal((await fetch(`${base}/`, { headers: { authorization: 'Bearer not-the-token' } })).status, 401);
    assert.equal(await upgradeStatus(`ws://127.0.0.1:${run.port}/ws`), 401);

    const page = await fetch(`${base}/?token=${encodeURIComponent(token)}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>wirewatch dashboard<\/title>/);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.match(page.headers.get('set-cookie') ?? '', /HttpOnly/);
    assert.equal((await fetch(`${base}/app.js`, { headers: { cookie } })).status, 200);
    assert.equal((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    assert.equal(await upgradeStatus(`ws://127.0.0.1:${run.port}/ws`, { cookie }), 101);
    // Another site's page must not use the user's cookie to read the stream.
    assert.equal(await upgradeStatus(`ws://127.0.0.1:${run.port}/ws`, { cookie, origin: 'http://evil.example' }), 403);
    // Only the bundled assets exist; nothing maps URL paths to files.
    for (const path of ['/index.html', '/../package.json', '/%2e%2e/package.json', '/src/web/server.ts']) {
      assert.equal((await fetch(base + path, { headers: { cookie } })).status, 404, path);
    }
  } finally {
    assert.equal(await run.stop(), 0, run.stderr());
  }
});

test('/metrics is valid Prometheus text with the run\'s counters', async (t) => {
  if (!needShared(t)) return;
  const run = await startDashboard(['read', corpusFile(SCAN), '--realtime', '--speed', '4', '--web', '0', '-q', '--no-summary-table']);
  try {
    // Wait until the replay passed its first seconds, so counters and histograms have data.
    let text = '';
    let packets = 0;
    for (let i = 0; i < 100 && packets < 500; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const res = await fetch(`http://127.0.0.1:${run.port}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      text = await res.text();
      packets = parsePrometheusText(text).get('wirewatch_packets_total')?.samples[0]?.value ?? 0;
    }
    const families = parsePrometheusText(text);
    assert.ok(packets >= 500, `packets counter advanced (${packets})`);
    for (const name of ['wirewatch_packets_total', 'wirewatch_bytes_total', 'wirewatch_flows_total', 'wirewatch_alerts_total', 'wirewatch_tcp_handshake_rtt_seconds', 'wirewatch_capture_dropped_packets']) {
      assert.ok(families.has(name), `${name} present`);
    }
    assert.equal(families.get('wirewatch_tcp_handshake_rtt_seconds')!.type, 'histogram');
    const tcp = families.get('wirewatch_protocol_packets_total')!.samples.find((s) => s.labels.layer === 'l4' && s.labels.protocol === 'tcp');
    assert.ok(tcp !== undefined && tcp.value > 0);
  } finally {
    assert.equal(await run.stop(), 0, run.stderr());
  }
});

test('the strict Prometheus parser rejects what a scraper would', () => {
  assert.throws(() => parsePrometheusText('x 1'), /newline/);
  assert.throws(() => parsePrometheusText('1x 1\n'), /metric name/);
  assert.throws(() => parsePrometheusText('x{a="1} 1\n'), /unterminated|expected/);
  assert.throws(() => parsePrometheusText('x{a="\\q"} 1\n'), /escape/);
  assert.throws(() => parsePrometheusText('x one\n'), /bad value/);
  assert.throws(() => parsePrometheusText('# TYPE x counter\nx -1\n'), /negative/);
  assert.throws(() => parsePrometheusText('x 1\n# TYPE x counter\n'), /TYPE after samples/);
  assert.throws(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\n'), /cumulative/);
  assert.throws(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\n'), /\+Inf/);
  const ok = parsePrometheusText('# HELP h a \\\\ help\n# TYPE h histogram\nh_bucket{le="0.5",k="a\\"b"} 1\nh_bucket{le="+Inf",k="a\\"b"} 3\nh_sum{k="a\\"b"} 2.5\nh_count{k="a\\"b"} 3\n');
  assert.equal(ok.get('h')!.samples[0]!.labels.k, 'a"b');
});

test('--db holds every alert and flow of the run (counts equal --alerts / --flows)', async (t) => {
  if (!needShared(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'ww-web-db-'));
  try {
    for (const file of [SCAN, 'ndpi/dns_exfiltration.pcap'].map(corpusFile)) {
      const db = join(dir, 'h.db');
      const alerts = join(dir, 'a.jsonl');
      const flows = join(dir, 'f.jsonl');
      rmSync(db, { force: true });
      const r = runCli(['read', file, '-q', '--no-summary-table', '--db', db, '--alerts', alerts, '--flows', flows]);
      assert.equal(r.status, 0, r.stderr);
      const lines = (f: string): Record<string, unknown>[] => readFileSync(f, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
      const a = lines(alerts);
      const f = lines(flows);
      rmSync(alerts);
      rmSync(flows);
      const d = new Database(db, { readonly: true });
      try {
        assert.equal((d.prepare('SELECT count(*) AS n FROM alerts').get() as { n: number }).n, a.length, `${file}: alerts`);
        assert.equal((d.prepare('SELECT count(*) AS n FROM flows').get() as { n: number }).n, f.length, `${file}: flows`);
        const ids = (d.prepare('SELECT flow_id FROM flows ORDER BY flow_id').all() as { flow_id: number }[]).map((x) => x.flow_id);
        assert.deepEqual(ids, f.map((x) => x.flow_id as number).sort((p, q) => p - q));
        const sigs = (d.prepare('SELECT signature FROM alerts ORDER BY signature').all() as { signature: string }[]).map((x) => x.signature);
        assert.deepEqual(sigs, a.map((x) => (x.alert as { signature: string }).signature).sort());
      } finally {
        d.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
