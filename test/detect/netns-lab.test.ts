/**
 * Real tools between two network namespaces (198.18.200.0/24, prefix wwdet):
 * nmap -sS/-sT/-sF/-sN/-sX/-sA/-sU, a horizontal sweep, hping3 SYN/UDP/ICMP
 * floods (bounded with -c), and ordinary traffic (curl, dig, a 30 MB
 * download). Each scenario is recorded with tcpdump in the victim namespace
 * and analysed: the right type, source and target; ordinary traffic raises no
 * scan, flood or packet-size alert (the veth keeps its offloads on, so the
 * download produces GSO super-packets).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { needRoot, needTool } from '../helpers/env.js';
import { SCAN_FLOOD, detectFile } from './run-capture.js';
import { tempDir } from '../helpers/temp-dir.js';

const tag = `wwdet${process.pid % 100000}`;
const NS_A = `${tag}a`;
const NS_B = `${tag}b`;
const A = '198.18.200.1';
const B = '198.18.200.2';
const SWEEP = Array.from({ length: 30 }, (_, i) => `198.18.200.${10 + i}`);

function sh(args: string[], ns?: string): string {
  const cmd = ns === undefined ? args : ['ip', 'netns', 'exec', ns, ...args];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function setUp(dir: string): ChildProcess[] {
  sh(['ip', 'netns', 'add', NS_A]);
  sh(['ip', 'netns', 'add', NS_B]);
  sh(['ip', 'link', 'add', `${tag}x`, 'netns', NS_A, 'type', 'veth', 'peer', 'name', `${tag}y`, 'netns', NS_B]);
  sh(['ip', 'addr', 'add', `${A}/24`, 'dev', `${tag}x`], NS_A);
  sh(['ip', 'addr', 'add', `${B}/24`, 'dev', `${tag}y`], NS_B);
  for (const a of SWEEP) sh(['ip', 'addr', 'add', `${a}/32`, 'dev', `${tag}y`], NS_B);
  for (const [ns, dev] of [[NS_A, `${tag}x`], [NS_B, `${tag}y`]] as const) {
    sh(['ip', 'link', 'set', 'lo', 'up'], ns);
    sh(['ip', 'link', 'set', dev, 'up'], ns);
  }
  // Servers in B: HTTP (small page + 30 MB body) and DNS.
  const server = `require('http').createServer((q,s)=>{const big=q.url==='/big';s.writeHead(200,{'content-length':big?30e6:12});s.end(big?Buffer.alloc(30e6,97):'hello world\\n')}).listen(8080,'${B}')`;
  const procs = [spawn('ip', ['netns', 'exec', NS_B, process.execPath, '-e', server], { stdio: 'ignore' })];
  procs.push(
    spawn('ip', ['netns', 'exec', NS_B, 'dnsmasq', '--keep-in-foreground', '--no-resolv', '--no-hosts', `--listen-address=${B}`, '--bind-interfaces', '--address=/example.test/198.18.200.2', `--pid-file=${join(dir, 'dnsmasq.pid')}`], { stdio: 'ignore' }),
  );
  return procs;
}

function tearDown(procs: ChildProcess[]): void {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
  spawnSync('ip', ['netns', 'del', NS_A]);
  spawnSync('ip', ['netns', 'del', NS_B]);
}

/** Waits (up to 20 s: a loaded machine starts them slowly) until B's HTTP and DNS servers answer. */
async function waitUntilServing(): Promise<void> {
  const ok = (cmd: string[]): boolean => spawnSync('ip', ['netns', 'exec', NS_A, ...cmd], { stdio: 'ignore', timeout: 3000 }).status === 0;
  for (let i = 0; i < 100; i++) {
    if (ok(['curl', '-s', '-o', '/dev/null', '--max-time', '1', `http://${B}:8080/`]) && ok(['dig', '+short', '+tries=1', '+time=1', `@${B}`, 'example.test'])) return;
    await sleep(200);
  }
  throw new Error('the HTTP and DNS servers in the test namespace did not come up within 20 s');
}

/** Records `run()` with tcpdump in B; returns the capture file. */
async function record(dir: string, name: string, run: () => void): Promise<string> {
  const file = join(dir, `${name}.pcap`);
  const td = spawn('ip', ['netns', 'exec', NS_B, 'tcpdump', '-i', `${tag}y`, '-U', '-s', '256', '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  td.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  for (let i = 0; i < 100 && !err.includes('listening'); i++) await sleep(50);
  run();
  await sleep(1500);
  td.kill('SIGINT');
  await new Promise((r) => td.once('exit', r));
  return file;
}

const nmap = (...args: string[]): (() => void) => () => void sh(['nmap', '-n', '-Pn', '--max-retries', '1', '-T4', ...args], NS_A);
const hping = (...args: string[]): (() => void) => () => void sh(['hping3', '-q', ...args], NS_A);

const SCENARIOS: Array<{ name: string; run: () => void; sig: string; type: string; dest?: string; port?: number }> = [
  { name: 'nmap-sS', run: nmap('-sS', '-p', '1-100', B), sig: 'Port Scan (vertical)', type: 'SYN' },
  { name: 'nmap-sT', run: nmap('-sT', '-p', '1-100', B), sig: 'Port Scan (vertical)', type: 'connect' },
  { name: 'nmap-sF', run: nmap('-sF', '-p', '1-100', B), sig: 'Port Scan (vertical)', type: 'FIN' },
  { name: 'nmap-sN', run: nmap('-sN', '-p', '1-100', B), sig: 'Port Scan (vertical)', type: 'NULL' },
  { name: 'nmap-sX', run: nmap('-sX', '-p', '1-100', B), sig: 'Port Scan (vertical)', type: 'Xmas' },
  { name: 'nmap-sA', run: nmap('-sA', '-p', '1-100', B), sig: 'Port Scan (vertical)', type: 'ACK' },
  { name: 'nmap-sU', run: nmap('-sU', '-p', '1-40', '-T5', B), sig: 'Port Scan (vertical)', type: 'UDP' },
  { name: 'nmap-sweep', run: nmap('-sS', '-p', '23', `198.18.200.10-39`), sig: 'Port Sweep (horizontal)', type: 'SYN', dest: '', port: 23 },
  { name: 'hping-syn', run: hping('-S', '-p', '8080', '-i', 'u300', '-c', '3000', B), sig: 'SYN Flood', type: 'syn' },
  { name: 'hping-udp', run: hping('--udp', '-p', '9999', '-i', 'u500', '-c', '1500', B), sig: 'UDP Flood', type: 'udp' },
  { name: 'hping-icmp', run: hping('--icmp', '-i', 'u500', '-c', '1500', B), sig: 'ICMP Flood', type: 'icmp' },
];

test('scans and floods from nmap/hping3 between namespaces are detected; ordinary traffic is not', async (t) => {
  if (!needRoot(t) || !needTool(t, 'nmap') || !needTool(t, 'hping3') || !needTool(t, 'tcpdump') || !needTool(t, 'dnsmasq') || !needTool(t, 'curl') || !needTool(t, 'dig', 'bind9-dnsutils')) return;
  const dir = tempDir('wwdet-lab-');
  const procs = setUp(dir);
  try {
    await waitUntilServing();
    const benign = await record(dir, 'benign', () => {
      for (let i = 0; i < 5; i++) sh(['curl', '-s', '-o', '/dev/null', `http://${B}:8080/`], NS_A);
      for (const n of ['www', 'mail', 'api']) sh(['dig', '+short', '+tries=1', '+time=1', `@${B}`, `${n}.example.test`], NS_A);
      sh(['curl', '-s', '-o', '/dev/null', `http://${B}:8080/big`], NS_A);
    });
    const b = await detectFile(benign);
    assert.ok(b.packets > 300, `benign capture has ${b.packets} packets`);
    assert.ok(b.stats['packet-size.offloadSkipped']! > 0, 'the download came as GSO super-packets, recognised as such');
    assert.deepEqual(b.alerts.filter((a) => SCAN_FLOOD.test(a.alert.signature) || a.wirewatch.detector === 'packet-size').map((a) => a.alert.signature), []);

    const report: string[] = [];
    for (const s of SCENARIOS) {
      const file = await record(dir, s.name, s.run);
      const { alerts } = await detectFile(file);
      const hit = alerts.find((a) => a.alert.signature === s.sig);
      report.push(`${s.name}: ${alerts.map((a) => `${a.alert.signature}/${String(a.wirewatch.evidence.scan_type ?? a.wirewatch.evidence.flood ?? '')}`).join(', ')}`);
      assert.ok(hit !== undefined, `${s.name}: expected ${s.sig}, got ${report.at(-1)}`);
      assert.equal(hit.wirewatch.evidence.scan_type ?? hit.wirewatch.evidence.flood, s.type, s.name);
      assert.equal(hit.src_ip, A, s.name);
      if (s.port !== undefined) assert.equal(hit.dest_port, s.port, s.name);
      else assert.equal(hit.dest_ip, B, s.name);
    }
    writeFileSync(join(dir, 'report.txt'), report.join('\n') + '\n');
    t.diagnostic(report.join(' | '));
  } finally {
    tearDown(procs);
  }
});
