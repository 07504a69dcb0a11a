import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, defaultDetectConfig, loadDetectConfig, parseDetectConfig } from '../../src/detect/config.js';
import { ROOT } from '../helpers/env.js';
import { tempDir } from '../helpers/temp-dir.js';

test('defaults are the documented values (Zeek scan defaults, prototype thresholds, AbuseIPDB 50/90)', () => {
  const c = defaultDetectConfig();
  assert.equal(c.rules, 'default');
  assert.equal(c.portscan.portsPerVictim, 15);
  assert.equal(c.portscan.hostsPerPort, 25);
  assert.equal(c.portscan.windowSec, 300);
  assert.equal(c.packetSize.prototypeMin, 50);
  assert.equal(c.packetSize.prototypeMax, 1500);
  assert.deepEqual(c.dns.prototype, { minLabelLength: 10, maxVowels: 2, suffixes: ['.xyz'], maxNameLength: 20 });
  assert.equal(c.intel.abuseipdb.threshold, 50);
  assert.equal(c.intel.abuseipdb.maxAgeInDays, 90);
  assert.equal(c.suppress.intervalSec, 60);
});

test('an unknown key is named with its full path', () => {
  assert.throws(() => parseDetectConfig({ portscan: { portsPerVictm: 3 } }, 'x.yaml'), (e: Error) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /x\.yaml/);
    assert.match(e.message, /portscan\.portsPerVictm/);
    return true;
  });
});

test('a bad value names the key path and, for choices, the accepted values', () => {
  assert.throws(() => parseDetectConfig({ rules: 'strict' }), /rules: .*"default"\|"prototype"/);
  assert.throws(() => parseDetectConfig({ flood: { syn: { minRate: -1 } } }), /flood\.syn\.minRate/);
  assert.throws(() => parseDetectConfig({ intel: { lists: [{ path: 'a', format: 'csv' }] } }), /intel\.lists\.0\.format: .*"auto"\|"plain"\|"netset"\|"drop"/);
});

test('YAML and JSON files load; partial files keep the other defaults', () => {
  const dir = tempDir('wwdet-cfg-');
  writeFileSync(join(dir, 'a.yaml'), 'rules: prototype\nportscan:\n  portsPerVictim: 20\n');
  writeFileSync(join(dir, 'b.json'), JSON.stringify({ flood: { udp: { minRate: 1000 } } }));
  const a = loadDetectConfig(join(dir, 'a.yaml'));
  assert.equal(a.rules, 'prototype');
  assert.equal(a.portscan.portsPerVictim, 20);
  assert.equal(a.portscan.hostsPerPort, 25);
  const b = loadDetectConfig(join(dir, 'b.json'));
  assert.equal(b.flood.udp.minRate, 1000);
  assert.equal(b.flood.udp.maxReplyRatio, 0.1);
  writeFileSync(join(dir, 'bad.yaml'), 'rules: [unclosed');
  assert.throws(() => loadDetectConfig(join(dir, 'bad.yaml')), /bad\.yaml: not valid YAML/);
  assert.throws(() => loadDetectConfig(join(dir, 'missing.yaml')), /missing\.yaml: cannot read config file/);
});

test('the shipped config/detect.yaml is valid and equals the defaults', () => {
  const shipped = loadDetectConfig(join(ROOT, 'config', 'detect.yaml'));
  const defaults = defaultDetectConfig();
  // The cache path depends on $HOME; everything else must match the schema defaults exactly.
  shipped.intel.abuseipdb.cacheDb = defaults.intel.abuseipdb.cacheDb;
  assert.deepEqual(shipped, defaults);
  assert.ok(readFileSync(join(ROOT, 'config', 'detect.yaml'), 'utf8').includes('portsPerVictim: 15'));
});
