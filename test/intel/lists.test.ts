import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BlockLists, parseListText } from '../../src/intel/lists.js';
import { parseIp } from '../../src/intel/ip.js';
import { defaultDetectConfig } from '../../src/detect/config.js';
import { IntelDetector } from '../../src/detect/intel.js';
import { Harness, eth, ip, udp } from '../detect/frames.js';
import { tempDir } from '../helpers/temp-dir.js';

const v4 = (s: string): number => parseIp(s)![3]!;

test('plain lists: one address or CIDR per line, # and ; comments, extra columns', () => {
  const r = parseListText('# my list\n1.2.3.4\n10.0.0.0/8 # internal\n; old comment\n2001:db8::/32\n5.6.7.8 3 2024-01-01\nnot-an-ip\n\n', 'plain');
  assert.deepEqual(r.entries.map((e) => e.cidr.text), ['1.2.3.4', '10.0.0.0/8', '2001:db8::/32', '5.6.7.8']);
  assert.equal(r.bad.length, 1);
  assert.match(r.bad[0]!, /line 7: 'not-an-ip'/);
});

test('FireHOL netset and Spamhaus DROP (text and JSON-lines editions)', () => {
  const netset = '#\n# firehol_level1\n#\n# Maintainer      : FireHOL\n0.0.0.0/8\n1.10.16.0/20\n';
  assert.deepEqual(parseListText(netset, 'netset').entries.map((e) => e.cidr.text), ['0.0.0.0/8', '1.10.16.0/20']);
  const drop = '; Spamhaus DROP List 2024/01/01\n; Last-Modified: ...\n1.10.16.0/20 ; SBL256894\n1.19.0.0/16 ; SBL434604\n';
  const d = parseListText(drop, 'drop');
  assert.deepEqual(d.entries.map((e) => [e.cidr.text, e.note]), [['1.10.16.0/20', 'SBL256894'], ['1.19.0.0/16', 'SBL434604']]);
  const json = '{"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}\n{"type":"metadata","timestamp":1700000000,"size":2}\n';
  const j = parseListText(json, 'drop');
  assert.deepEqual(j.entries.map((e) => [e.cidr.text, e.note]), [['1.10.16.0/20', 'SBL256894']]);
  assert.equal(j.bad.length, 0);
});

test('lists load at start, match, and reload when the file is replaced', async () => {
  const dir = tempDir('wwdet-lists-');
  const f = join(dir, 'block.txt');
  writeFileSync(f, '203.0.113.0/24\n');
  const logs: string[] = [];
  const lists = new BlockLists([{ path: f, format: 'plain' }], (m) => logs.push(m), 50);
  lists.watch();
  try {
    assert.equal(lists.lookupV4(v4('203.0.113.9'))?.cidr, '203.0.113.0/24');
    assert.equal(lists.lookupV4(v4('198.51.100.1')), undefined);
    // Atomic replace, as editors and download scripts do.
    writeFileSync(join(dir, 'block.txt.tmp'), '198.51.100.0/24\n');
    renameSync(join(dir, 'block.txt.tmp'), f);
    for (let i = 0; i < 100 && lists.reloads === 0; i++) await sleep(20);
    assert.equal(lists.reloads, 1);
    assert.equal(lists.lookupV4(v4('198.51.100.1'))?.cidr, '198.51.100.0/24');
    assert.equal(lists.lookupV4(v4('203.0.113.9')), undefined);
    assert.ok(logs.some((m) => m.includes('reloaded')));
  } finally {
    lists.close();
  }
});

test('a missing list file is an error naming the file', () => {
  assert.throws(() => new BlockLists([{ path: '/nonexistent/wwdet.txt', format: 'auto' }], () => {}), /\/nonexistent\/wwdet\.txt: cannot read/);
});

test('listed source and destination raise alerts naming list and prefix', () => {
  const dir = tempDir('wwdet-lists-');
  writeFileSync(join(dir, 'drop.txt'), '203.0.113.0/24 ; SBL1\n');
  const lists = new BlockLists([{ path: join(dir, 'drop.txt'), format: 'drop', name: 'spamhaus-drop' }], () => {});
  const cfg = defaultDetectConfig();
  const h = new Harness([new IntelDetector({ lists, abuseipdb: null, threshold: 50, maxAgeInDays: 90, maxAddresses: 100, drainMs: 10 })], { suppress: { ...cfg.suppress, enabled: false } });
  h.feed(eth(ip('203.0.113.5', '198.18.0.1', udp({ sport: 1, dport: 2 }))), 1);
  h.feed(eth(ip('198.18.0.1', '203.0.113.5', udp({ sport: 2, dport: 1 }))), 2);
  h.feed(eth(ip('198.18.0.1', '198.18.0.2', udp({ sport: 2, dport: 1 }))), 3);
  assert.deepEqual(h.signatures(), ['Blocklisted Source IP', 'Blocklisted Destination IP']);
  assert.deepEqual(h.alerts[0]!.wirewatch.evidence, { ip: '203.0.113.5', list: 'spamhaus-drop', cidr: '203.0.113.0/24', note: 'SBL1' });
});
