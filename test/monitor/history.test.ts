/** `--db`: the per-minute history adds up to the run's totals (packets, bytes, flows, alerts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ROOT, corpusFile, needShared } from '../helpers/env.js';

test('per-minute stats in the history database sum to the totals', (t) => {
  if (!needShared(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'ww-hist-'));
  try {
    const db = join(dir, 'h.sqlite');
    // ssh.pcap spans several days of packet time: many minutes, most of them idle.
    const r = spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'read', corpusFile('zeek/ssh/ssh.pcap'), '-q', '--db', db, '--no-summary-table'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const h = new Database(db, { readonly: true });
    const sum = (name: string): number => (h.prepare('SELECT COALESCE(SUM(value), 0) AS s FROM stats_minute WHERE name = ?').get(name) as { s: number }).s;
    const minutes = (h.prepare("SELECT COUNT(*) AS n FROM stats_minute WHERE name = 'packets'").get() as { n: number }).n;
    assert.equal(sum('packets'), 1797);
    assert.equal(sum('bytes'), statSync(corpusFile('zeek/ssh/ssh.pcap')).size - 24 - 16 * 1797, 'bytes = file size - pcap header - record headers (no packet is cut)');
    assert.equal(sum('flows'), (h.prepare('SELECT COUNT(*) AS n FROM flows').get() as { n: number }).n);
    assert.equal(sum('alerts'), (h.prepare('SELECT COUNT(*) AS n FROM alerts').get() as { n: number }).n);
    assert.ok(minutes > 1, `history spans ${minutes} minutes`);
    h.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
