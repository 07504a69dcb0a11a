/** `wirewatch demo` on a fresh checkout: the bundled capture with every feature. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/env.js';
import { runCli } from './run-cli.js';

test('the bundled capture is small enough to commit', () => {
  assert.ok(statSync(join(ROOT, 'data', 'demo.pcapng')).size < 2 * 1024 * 1024);
});

test('demo analyses data/demo.pcapng and prints its summary', () => {
  const r = runCli(['demo']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wirewatch demo: /);
  assert.match(r.stdout, /packets +797 \(0 malformed\)/);
  // What scripts/record-demo.sh generated: ARP, IPv6, a SYN scan of 300 ports, a DNS NXDOMAIN burst.
  assert.match(r.stdout, /arp [1-9]/);
  assert.match(r.stdout, /ipv6 [1-9]/);
  const syn = /SYN (\d+) to (\d+) ports/.exec(r.stdout);
  assert.ok(syn !== null && Number(syn[2]) >= 300, r.stdout);
  const nx = /NXDomain \((\d+)\)/.exec(r.stdout);
  assert.ok(nx !== null && Number(nx[1]) >= 30, r.stdout);
});

test('demo -c limits the packets analysed', () => {
  const r = runCli(['demo', '-c', '10']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /packets +10 \(/);
});
