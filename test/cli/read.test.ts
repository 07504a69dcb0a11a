/** `wirewatch read` end to end: the built CLI on real captures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { corpusFile, needShared, needTool, ROOT } from '../helpers/env.js';
import { CLI, jsonLines, runCli } from './run-cli.js';

const DEMO = join(ROOT, 'data', 'demo.pcapng');

test('-c N stops after N packets in every format', () => {
  assert.equal(jsonLines(runCli(['read', DEMO, '--format', 'json', '-c', '7']).stdout).length, 7);
  assert.equal(runCli(['read', DEMO, '--format', 'brief', '-c', '5']).stdout.trim().split('\n').length, 5);
  const text = runCli(['read', DEMO, '-c', '3']).stdout;
  assert.deepEqual([...text.matchAll(/^Packet (\d+) /gm)].map((m) => m[1]), ['1', '2', '3']);
});

test('--format none and -q print nothing on stdout, the summary on stderr', () => {
  for (const args of [['--format', 'none'], ['-q'], ['-q', '--format', 'json']]) {
    const r = runCli(['read', DEMO, ...args]);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /797 packets/);
  }
});

test('bad option values exit 2 and name the option and the accepted values', () => {
  const cases: [string[], RegExp][] = [
    [['--format', 'xml'], /--format.*'xml'.*text, brief, json, none/],
    [['-c', 'abc'], /--count.*'abc'.*positive integer/],
    [['-c', '0'], /--count.*'0'.*positive integer/],
    [['--speed', '-1'], /--speed.*'-1'.*greater than 0/],
    [['--mtu', '10'], /--mtu.*'10'.*68 to 262144/],
  ];
  for (const [args, re] of cases) {
    const r = runCli(['read', DEMO, ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stdout, '');
  }
  const missing = runCli(['read']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /missing required argument 'file'/);
  assert.equal(runCli(['no-such-command']).status, 2);
});

test('a missing file is a runtime error (exit 1) naming the file', () => {
  const r = runCli(['read', '/nonexistent/x.pcap']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\/nonexistent\/x\.pcap: cannot open capture: no such file/);
});

test('a corrupt file: every good record is printed, then the error with its byte offset, exit 1', (t) => {
  if (!needShared(t)) return;
  // The corpus README: garbage record header (caplen 4325376) after 6 good packets.
  const r = runCli(['read', corpusFile('suricata-verify/tls_DER-incomplete-header.pcap'), '--format', 'json']);
  assert.equal(r.status, 1);
  assert.deepEqual(jsonLines(r.stdout).map((o) => o.n), [1, 2, 3, 4, 5, 6]);
  assert.match(r.stderr, /tls_DER-incomplete-header\.pcap: .*4325376.*\(at byte offset \d+\)/);
});

test('read - takes a capture on stdin (tcpdump -r F -w - | wirewatch read -)', (t) => {
  if (!needTool(t, 'tcpdump')) return;
  const pcap = spawnSync('tcpdump', ['-r', DEMO, '-w', '-'], { maxBuffer: 64 * 1024 * 1024 });
  assert.equal(pcap.status, 0);
  const fromStdin = runCli(['read', '-', '--format', 'json'], pcap.stdout);
  const fromFile = runCli(['read', DEMO, '--format', 'json']);
  assert.equal(fromStdin.status, 0, fromStdin.stderr);
  const a = jsonLines(fromStdin.stdout);
  const b = jsonLines(fromFile.stdout);
  assert.equal(a.length, 797);
  // tcpdump rewrites pcapng as pcap: same packets, same decode.
  assert.deepEqual(a, b);
});

test('a reader that goes away (| head -1) ends the run quietly with exit 0', async () => {
  const child = spawn(process.execPath, [CLI, 'read', DEMO, '--format', 'brief'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|wirewatch: (internal )?error/);
});

test('brief lines carry the same time, addresses and ports as tcpdump -n', (t) => {
  if (!needTool(t, 'tcpdump')) return;
  const td = spawnSync('tcpdump', ['-n', '-S', '-r', DEMO], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  const ours = runCli(['read', DEMO, '--format', 'brief']).stdout.trim().split('\n');
  const theirs = td.stdout.trim().split('\n');
  assert.equal(ours.length, theirs.length);
  // "06:32:35.801409 IP 198.18.0.1.38821 > 198.18.0.2.53:" — time, protocol and endpoints.
  const head = (l: string): string => l.slice(0, l.indexOf(': ') + 1);
  let same = 0;
  for (let i = 0; i < ours.length; i++) if (head(ours[i]!) === head(theirs[i]!)) same++;
  assert.equal(same, ours.length);
  // TCP lines without options agree entirely with tcpdump (flags, seq, ack, win, length).
  const plain = theirs.filter((l) => l.includes('Flags [') && !l.includes('options'));
  assert.ok(plain.length > 100);
  for (const l of plain) assert.ok(ours.includes(l), `missing: ${l}`);
});
