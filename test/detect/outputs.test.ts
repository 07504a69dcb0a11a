import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { consoleAlertLine, eveAlert, JsonLinesSink } from '../../src/output/eve.js';
import { HistoryDb, openHistoryDb } from '../../src/output/sqlite.js';
import { SIG } from '../../src/detect/signatures.js';
import type { Alert } from '../../src/detect/detector.js';
import { tempDir } from '../helpers/temp-dir.js';

const alert: Alert = {
  tsSec: 1795755762,
  tsNsec: 887206000,
  tuple: { srcIp: '198.18.0.3', srcPort: 40000, destIp: '198.18.0.2', destPort: 22, proto: 'TCP', flowId: 17, communityId: '1:abc=' },
  sig: SIG.verticalScan,
  detector: 'portscan',
  evidence: { scan_type: 'SYN', failed_ports: 15 },
};

test('EVE alert record: Suricata field names, microsecond timestamp, flow naming, evidence', () => {
  const r = eveAlert(alert, 3);
  assert.deepEqual(r, {
    timestamp: '2026-11-27T05:02:42.887206Z',
    event_type: 'alert',
    src_ip: '198.18.0.3',
    src_port: 40000,
    dest_ip: '198.18.0.2',
    dest_port: 22,
    proto: 'TCP',
    flow_id: 17,
    community_id: '1:abc=',
    alert: { action: 'allowed', gid: 1, signature_id: 9100040, rev: 1, signature: 'Port Scan (vertical)', category: 'Attempted Information Leak', severity: 2 },
    wirewatch: { detector: 'portscan', evidence: { scan_type: 'SYN', failed_ports: 15 }, suppressed: 3 },
  });
  const noFlow = eveAlert({ ...alert, tuple: { ...alert.tuple, flowId: null, communityId: null, srcPort: null, destPort: null } });
  assert.equal('flow_id' in noFlow, false);
  assert.equal('src_port' in noFlow, false);
});

test('console line: fast.log shape with key evidence', () => {
  assert.equal(
    consoleAlertLine(eveAlert(alert, 3)),
    '2026-11-27T05:02:42.887206Z [**] [1:9100040:1] Port Scan (vertical) [**] [Classification: Attempted Information Leak] [Priority: 2] {TCP} 198.18.0.3:40000 -> 198.18.0.2:22  scan_type=SYN failed_ports=15 suppressed=3',
  );
  const v6 = eveAlert({ ...alert, tuple: { ...alert.tuple, srcIp: '2001:db8::3', destIp: '2001:db8::2' } });
  assert.match(consoleAlertLine(v6), /\{TCP\} \[2001:db8::3\]:40000 -> \[2001:db8::2\]:22/);
});

test('JSON lines sink appends one parseable record per line; a bad path fails at once naming it', async () => {
  const f = join(tempDir('wwdet-eve-'), 'eve.json');
  const s = new JsonLinesSink(f);
  s.write(eveAlert(alert));
  s.write(eveAlert({ ...alert, sig: SIG.synFlood }));
  await s.close();
  const lines = readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { alert: { signature: string } });
  assert.deepEqual(lines.map((l) => l.alert.signature), ['Port Scan (vertical)', 'SYN Flood']);
  assert.throws(() => new JsonLinesSink('/nonexistent-dir-wwdet/eve.json'), /nonexistent-dir-wwdet/);
});

test('SQLite history: alerts and flows batched into tables, per-minute stats upserted, shared per file', async () => {
  const f = join(tempDir('wwdet-db-'), 'history.sqlite');
  const db = openHistoryDb(f);
  assert.equal(openHistoryDb(f), db, 'one instance per file');
  const alerts = db.sink('alert');
  const flows = db.sink('flow');
  alerts.write(eveAlert(alert, 2));
  flows.write({ event_type: 'flow', timestamp: '2026-11-27T05:02:42.000000Z', flow_id: 17, src_ip: '198.18.0.3', dest_ip: '198.18.0.2', proto: 'TCP' });
  db.insertStat(29929262, 'packets', 100);
  db.insertStat(29929262, 'packets', 120);
  await new Promise((r) => setImmediate(r));
  assert.equal(db.written, 4, 'flushed on a later turn of the event loop');
  await alerts.close();
  await flows.close();
  assert.ok(db instanceof HistoryDb);
  const check = new Database(f, { readonly: true });
  const row = check.prepare('SELECT * FROM alerts').get() as Record<string, unknown>;
  assert.equal(row.signature_id, 9100040);
  assert.equal(row.src_ip, '198.18.0.3');
  assert.equal(row.flow_id, 17);
  assert.equal(row.suppressed, 2);
  assert.deepEqual(JSON.parse(row.evidence as string), { scan_type: 'SYN', failed_ports: 15 });
  assert.equal((check.prepare('SELECT COUNT(*) AS n FROM flows').get() as { n: number }).n, 1);
  assert.deepEqual(check.prepare('SELECT * FROM stats_minute').all(), [{ minute: 29929262, name: 'packets', value: 120 }]);
  check.close();
});
