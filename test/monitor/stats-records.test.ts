/**
 * EVE `stats` records: `--stats FILE` writes one every --stats-interval seconds
 * of packet time and one at the end, and the stage counts the same records
 * when nobody takes them (it then skips building them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openCaptureFile } from '../../src/capture/open.js';
import { EventBus } from '../../src/events.js';
import { MonitorStage } from '../../src/monitor/monitor-stage.js';
import { Pipeline } from '../../src/pipeline.js';
import { ROOT, corpusFile, needShared } from '../helpers/env.js';
import { tempDir } from '../helpers/temp-dir.js';

interface StatsLine {
  timestamp: string;
  event_type: string;
  stats: { decoder: { pkts: number; bytes: number } };
}

// ssh.pcap: 1,797 packets over several days of packet time, with long silences.
const SSH = 'zeek/ssh/ssh.pcap';

test('--stats writes periodic EVE stats records ending with the run totals', (t) => {
  if (!needShared(t)) return;
  const out = join(tempDir('ww-stats-'), 'stats.jsonl');
  const r = spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'read', corpusFile(SSH), '-q', '--stats', out, '--stats-interval', '60', '--no-summary-table'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const recs = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as StatsLine);
  assert.ok(recs.length > 2, `${recs.length} records`);
  for (const rec of recs) assert.equal(rec.event_type, 'stats');
  const times = recs.map((rec) => Date.parse(rec.timestamp) / 1000);
  // Periodic records are at least one interval apart; the last one is the end of input.
  for (let i = 1; i < times.length - 1; i++) assert.ok(times[i]! - times[i - 1]! >= 60, `record ${i} is ${times[i]! - times[i - 1]!} s after the previous one`);
  for (let i = 1; i < recs.length; i++) assert.ok(recs[i]!.stats.decoder.pkts >= recs[i - 1]!.stats.decoder.pkts, 'packet totals never go back');
  const last = recs[recs.length - 1]!.stats.decoder;
  assert.equal(last.pkts, 1797);
  assert.equal(last.bytes, statSync(corpusFile(SSH)).size - 24 - 16 * 1797, 'bytes = file size - pcap header - record headers (no packet is cut)');
});

test('without a stats listener the stage counts the same records it would have built', async (t) => {
  if (!needShared(t)) return;
  const run = async (listen: boolean): Promise<{ counted: number; built: number }> => {
    const bus = new EventBus();
    let built = 0;
    if (listen) bus.on('stats', () => built++);
    const stage = new MonitorStage(bus, { intervalSec: 60 });
    await new Pipeline(await openCaptureFile(corpusFile(SSH)), [stage]).run();
    return { counted: bus.count('stats'), built };
  };
  const withListener = await run(true);
  const without = await run(false);
  assert.ok(withListener.built > 2);
  assert.equal(withListener.counted, withListener.built);
  assert.equal(without.counted, withListener.built);
  assert.equal(without.built, 0);
});
