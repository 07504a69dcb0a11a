/**
 * End to end in a real browser: a capture replayed with --realtime feeds the
 * dashboard; Chromium (driven by playwright-core) sees the charts advance, an
 * alert appear with its evidence, the filters work, and keeps a screenshot in
 * test-artifacts/. Then the same page over `wirewatch serve --db` of a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { corpusFile, need, needShared, ROOT } from '../helpers/env.js';
import { runCli } from '../cli/run-cli.js';
import { startDashboard } from './dashboard-process.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts');
/** nmap SYN scan (23 s of capture): raises a port-scan alert after ~2.4 s and a SYN-flood alert after ~3.8 s. */
const SCAN = 'ndpi/synscan.pcap';
/** Generous bound for the page to show something the replay produces within a few seconds. */
const UI_WAIT_MS = 20_000;

async function launch(dir: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${dir}`],
  });
}

async function points(page: Page): Promise<number> {
  return Number(await page.getAttribute('#chart-pps', 'data-points'));
}

test('live dashboard: charts advance, alerts arrive with evidence, filters work', async (t) => {
  if (!needShared(t) || !need(t, existsSync(CHROMIUM), `needs ${CHROMIUM} (apt-get install chromium)`)) return;
  const profile = mkdtempSync(join(tmpdir(), 'ww-web-profile-'));
  const run = await startDashboard(['read', corpusFile(SCAN), '--realtime', '--speed', '1', '--web', '0', '-q', '--no-summary-table']);
  const browser = await launch(profile);
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(run.url);
    await page.waitForSelector('#conn-dot.open', { timeout: UI_WAIT_MS });
    assert.equal(await page.textContent('#mode'), 'live');

    // The throughput series grows while the replay runs.
    await page.waitForFunction(() => Number(document.querySelector('#chart-pps')?.getAttribute('data-points')) >= 2, null, { timeout: UI_WAIT_MS });
    const first = await points(page);
    await page.waitForFunction((n) => Number(document.querySelector('#chart-pps')?.getAttribute('data-points')) > n, first, { timeout: UI_WAIT_MS });
    assert.ok((await points(page)) > first);
    assert.ok(Number(await page.getAttribute('#chart-bps', 'data-points')) > first, 'both charts share the series');
    const packets = await page.textContent('#k-packets');
    assert.match(packets ?? '', /^[\d,.]+k?$/);

    // Both alerts of the scan arrive; the port scan's evidence opens on click.
    await page.waitForSelector('tr.alert-row[data-signature="Port Scan (vertical)"]', { timeout: UI_WAIT_MS });
    await page.waitForSelector('tr.alert-row[data-signature="SYN Flood"]', { timeout: UI_WAIT_MS });
    assert.equal(await page.locator('tr.evidence').count(), 0);
    await page.click('tr.alert-row[data-signature="Port Scan (vertical)"]');
    const evidence = page.locator('tr.evidence');
    await evidence.waitFor({ timeout: UI_WAIT_MS });
    const evText = (await evidence.textContent()) ?? '';
    assert.match(evText, /failed_ports\s*15/);
    assert.match(evText, /scanner\s*172\.16\.0\.8/);
    assert.match(evText, /signature id\s*9100040/);
    await page.screenshot({ path: join(mkdirAndReturn(ARTIFACTS), 'dashboard-live.png'), fullPage: true });

    // Filters: by signature, by severity, by source text.
    await page.selectOption('#f-signature', 'SYN Flood');
    assert.deepEqual(await page.locator('tr.alert-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-signature'))), ['SYN Flood']);
    await page.selectOption('#f-signature', '');
    await page.selectOption('#f-severity', '2');
    assert.deepEqual(await page.locator('tr.alert-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-signature'))), ['Port Scan (vertical)']);
    await page.selectOption('#f-severity', '');
    await page.fill('#f-source', '172.16.0.8');
    assert.equal(await page.locator('tr.alert-row').count(), 2);
    await page.fill('#f-source', '10.99.99.99');
    assert.equal(await page.locator('tr.alert-row').count(), 0);
    assert.equal(await page.isVisible('#alerts-empty'), true);
    assert.match((await page.textContent('#alerts-count')) ?? '', /^0 of 2 shown$/);
    await page.fill('#f-source', '');

    // Monitor panels are filled from the same stream.
    await page.waitForSelector('#talkers tbody tr td .mono', { timeout: UI_WAIT_MS });
    assert.match((await page.textContent('#talkers')) ?? '', /172\.16\.0\.8/);
    assert.match((await page.textContent('#mix')) ?? '', /tcp/);
    assert.match((await page.textContent('#rtt')) ?? '', /Handshake/);
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
    const code = await run.stop();
    rmSync(profile, { recursive: true, force: true });
    assert.equal(code, 0, `wirewatch exited ${code}:\n${run.stderr()}`);
  }
});

function mkdirAndReturn(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

test('serve --db shows a saved run in the same dashboard', async (t) => {
  if (!needShared(t) || !need(t, existsSync(CHROMIUM), `needs ${CHROMIUM} (apt-get install chromium)`)) return;
  const dir = mkdtempSync(join(tmpdir(), 'ww-web-serve-'));
  try {
    const db = join(dir, 'history.db');
    const r = runCli(['read', corpusFile(SCAN), '-q', '--no-summary-table', '--db', db]);
    assert.equal(r.status, 0, r.stderr);
    const srv = await startDashboard(['serve', '--db', db, '--port', '0']);
    const browser = await launch(join(dir, 'profile'));
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
      await page.goto(srv.url);
      await page.waitForSelector('#mode.history', { timeout: UI_WAIT_MS });
      await page.waitForSelector('tr.alert-row', { timeout: UI_WAIT_MS });
      assert.equal(await page.locator('tr.alert-row').count(), 2);
      assert.equal(await page.textContent('#k-flows'), '1,994');
      assert.ok((await points(page)) >= 1, 'per-minute series drawn');
      assert.match((await page.textContent('#flows-largest')) ?? '', /172\.16\.0\.8/);
      await page.screenshot({ path: join(mkdirAndReturn(ARTIFACTS), 'dashboard-history.png'), fullPage: true });
    } finally {
      await browser.close();
      assert.equal(await srv.stop(), 0, srv.stderr());
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
