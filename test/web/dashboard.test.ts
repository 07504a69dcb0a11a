/**
 * End to end in a real browser: a capture replayed with --realtime feeds the
 * dashboard; Chromium (driven by playwright-core) sees the charts advance, an
 * alert appear with its evidence, the filters work, and keeps a screenshot in
 * test-artifacts/. Then the same page over `wirewatch serve --db` of a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { corpusFile, need, needShared, ROOT } from '../helpers/env.js';
import { runCli } from '../cli/run-cli.js';
import { startDashboard } from './dashboard-process.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts');
/** nmap SYN scan (23 s of capture): raises a port-scan alert after ~2.4 s and a SYN-flood alert after ~3.8 s. */
const SCAN = 'ndpi/synscan.pcap';
/** Generous bound for the page to show something the replay produces within a few seconds. */
const UI_WAIT_MS = 20_000;

/** Chromium with a fresh profile in `dir` (playwright takes the profile as launchPersistentContext's argument). */
async function launch(dir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

async function points(page: Page): Promise<number> {
  return Number(await page.getAttribute('#chart-pps', 'data-points'));
}

/** Polls `check` from the test side (the page's CSP forbids the string evaluation waitForFunction would need). */
async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + UI_WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function rowSignatures(page: Page): Promise<string[]> {
  return page.locator('tr.alert-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-signature') ?? ''));
}

test('live dashboard: charts advance, alerts arrive with evidence, filters work', async (t) => {
  if (!needShared(t) || !need(t, existsSync(CHROMIUM), `needs ${CHROMIUM} (apt-get install chromium)`)) return;
  const profile = mkdtempSync(join(tmpdir(), 'ww-web-profile-'));
  const run = await startDashboard(['read', corpusFile(SCAN), '--realtime', '--speed', '1', '--web', '0', '-q', '--no-summary-table']);
  let browser: BrowserContext | null = null;
  try {
    browser = await launch(profile);
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(run.url);
    await page.waitForSelector('#conn-dot.open', { timeout: UI_WAIT_MS });
    assert.equal(await page.textContent('#mode'), 'live');

    // The throughput series grows while the replay runs.
    await waitUntil('two chart points', async () => (await points(page)) >= 2);
    const first = await points(page);
    await waitUntil('the chart to advance', async () => (await points(page)) > first);
    assert.ok((await points(page)) > first);
    assert.ok(Number(await page.getAttribute('#chart-bps', 'data-points')) > first, 'both charts share the series');
    const packets = await page.textContent('#k-packets');
    assert.match(packets ?? '', /^[\d,.]+k?$/);

    // The port scan's alert arrives; its evidence opens on click.
    await page.waitForSelector('tr.alert-row[data-signature="Port Scan (vertical)"]', { timeout: UI_WAIT_MS });
    assert.equal(await page.locator('tr.evidence').count(), 0);
    await page.click('tr.alert-row[data-signature="Port Scan (vertical)"]');
    const evidence = page.locator('tr.evidence');
    await evidence.waitFor({ timeout: UI_WAIT_MS });
    const evText = (await evidence.textContent()) ?? '';
    assert.match(evText, /failed_ports\s*15/);
    assert.match(evText, /scanner\s*172\.16\.0\.8/);
    assert.match(evText, /signature id\s*9100040/);
    await page.screenshot({ path: join(mkdirAndReturn(ARTIFACTS), 'dashboard-live.png'), fullPage: true });

    // Filters: by signature, by severity, by source text (over whatever alerts the rules raised by now).
    const all = await rowSignatures(page);
    assert.ok(all.length >= 1);
    await page.selectOption('#f-signature', 'Port Scan (vertical)');
    const bySig = await rowSignatures(page);
    assert.deepEqual(bySig, all.filter((s) => s === 'Port Scan (vertical)'));
    await page.selectOption('#f-signature', '');
    await page.selectOption('#f-severity', '1');
    assert.equal(await page.locator('tr.alert-row[data-signature="Port Scan (vertical)"]').count(), 0, 'a severity-2 alert is hidden by the severity-1 filter');
    assert.equal(await page.locator('tr.alert-row:not(.sev-1)').count(), 0);
    await page.selectOption('#f-severity', '2');
    assert.ok((await page.locator('tr.alert-row[data-signature="Port Scan (vertical)"]').count()) >= 1);
    assert.equal(await page.locator('tr.alert-row:not(.sev-2)').count(), 0);
    await page.selectOption('#f-severity', '');
    await page.fill('#f-source', '172.16.0.8');
    assert.ok((await page.locator('tr.alert-row[data-signature="Port Scan (vertical)"]').count()) >= 1);
    await page.fill('#f-source', '10.99.99.99');
    assert.equal(await page.locator('tr.alert-row').count(), 0);
    assert.equal(await page.isVisible('#alerts-empty'), true);
    assert.match((await page.textContent('#alerts-count')) ?? '', /^0 of \d+ shown$/);
    await page.fill('#f-source', '');
    assert.ok((await page.locator('tr.alert-row').count()) >= all.length);

    // Monitor panels are filled from the same stream.
    await page.waitForSelector('#talkers tbody tr td .mono', { timeout: UI_WAIT_MS });
    assert.match((await page.textContent('#talkers')) ?? '', /172\.16\.0\.8/);
    assert.match((await page.textContent('#mix')) ?? '', /tcp/);
    assert.match((await page.textContent('#rtt')) ?? '', /Handshake/);
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser?.close();
    const code = await run.stop();
    rmSync(profile, { recursive: true, force: true });
    assert.equal(code, 0, `wirewatch exited ${code}:\n${run.stderr()}`);
  }
});

function lineCount(file: string): number {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length;
}

function mkdirAndReturn(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

test('serve --db shows a saved run in the same dashboard', async (t) => {
  if (!needShared(t) || !need(t, existsSync(CHROMIUM), `needs ${CHROMIUM} (apt-get install chromium)`)) return;
  const dir = mkdtempSync(join(tmpdir(), 'ww-web-serve-'));
  try {
    const db = join(dir, 'history.db');
    const alertsFile = join(dir, 'alerts.jsonl');
    const flowsFile = join(dir, 'flows.jsonl');
    const r = runCli(['read', corpusFile(SCAN), '-q', '--no-summary-table', '--db', db, '--alerts', alertsFile, '--flows', flowsFile]);
    assert.equal(r.status, 0, r.stderr);
    const nAlerts = lineCount(alertsFile);
    const nFlows = lineCount(flowsFile);
    assert.ok(nAlerts >= 1 && nFlows >= 1);
    const srv = await startDashboard(['serve', '--db', db, '--port', '0']);
    let browser: BrowserContext | null = null;
    try {
      browser = await launch(join(dir, 'profile'));
      const page = await browser.newPage();
      await page.goto(srv.url);
      await page.waitForSelector('#mode.history', { timeout: UI_WAIT_MS });
      await page.waitForSelector('tr.alert-row', { timeout: UI_WAIT_MS });
      assert.equal(await page.locator('tr.alert-row').count(), nAlerts);
      assert.equal(await page.textContent('#k-flows'), nFlows.toLocaleString('en-US'));
      assert.ok((await points(page)) >= 1, 'per-minute series drawn');
      assert.match((await page.textContent('#flows-largest')) ?? '', /172\.16\.0\.8/);
      await page.screenshot({ path: join(mkdirAndReturn(ARTIFACTS), 'dashboard-history.png'), fullPage: true });
    } finally {
      await browser?.close();
      assert.equal(await srv.stop(), 0, srv.stderr());
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
