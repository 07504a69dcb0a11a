/**
 * BPF on files, against tcpdump: for every corpus capture tcpdump can read
 * (≤ 20k packets) and a set of expressions, the packets our interpreter
 * selects with programs compiled through the binding are exactly the ones
 * `tcpdump -r F -w - EXPR` writes; an expression libpcap refuses for the
 * file's link type fails with libpcap's own message in both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { join, relative } from 'node:path';
import { compileFileFilter, FilterError } from '../../src/capture/bpf/compile.js';
import { nativeAvailable } from '../../src/capture/native.js';
import { CORPUS, need, needShared, needTool } from '../helpers/env.js';
import { numbersOfSubsequence, parsePcap } from './pcap-records.js';

const MAX_PACKETS = 20000;
/**
 * Every capture with a link type other than Ethernet, and every ETHERNET_STRIDE-th
 * Ethernet one, keeps the suite fast (tcpdump runs 9 times per file);
 * WIREWATCH_BPF_FULL=1 checks all of them.
 */
const ETHERNET_STRIDE = process.env.WIREWATCH_BPF_FULL === '1' ? 1 : 4;
const EXPRESSIONS = ['tcp', 'udp port 53', 'host X', 'net 10.0.0.0/8', 'tcp[tcpflags] & tcp-syn != 0', 'vlan', 'ip6', 'icmp or arp'];

interface Run {
  stdout: Buffer;
  stderr: string;
  ok: boolean;
}

function tcpdump(args: string[]): Promise<Run> {
  return new Promise((resolveRun) => {
    execFile('tcpdump', args, { encoding: 'buffer', maxBuffer: 1 << 30 }, (err, stdout, stderr) => {
      resolveRun({ stdout, stderr: stderr.toString('utf8'), ok: err === null });
    });
  });
}

function captureFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'expected') continue;
    if (statSync(p).isDirectory()) captureFiles(p, out);
    else if (isCapture(p)) out.push(p);
  }
  return out.sort();
}

function isCapture(p: string): boolean {
  const fd = openSync(p, 'r');
  const b = Buffer.alloc(4);
  const n = readSync(fd, b, 0, 4, 0);
  closeSync(fd);
  if (n < 4) return false;
  const m = b.readUInt32LE(0);
  return [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a].includes(m);
}

/** LINKTYPE of a pcap file, or of the first IDB of a pcapng file (-1 when unknown). */
function linkTypeOf(p: string): number {
  const fd = openSync(p, 'r');
  const b = Buffer.alloc(64);
  const n = readSync(fd, b, 0, 64, 0);
  closeSync(fd);
  const m = b.readUInt32LE(0);
  if (m === 0xa1b2c3d4 || m === 0xa1b23c4d) return n >= 24 ? b.readUInt32LE(20) & 0xffff : -1;
  if (m === 0xd4c3b2a1 || m === 0x4d3cb2a1) return n >= 24 ? b.readUInt32BE(20) & 0xffff : -1;
  // pcapng: SHB then (usually) the first IDB right after it.
  if (n < 12) return -1;
  const le = b.readUInt32LE(8) === 0x1a2b3c4d;
  const shbLen = le ? b.readUInt32LE(4) : b.readUInt32BE(4);
  if (shbLen + 10 > n) return -1;
  const type = le ? b.readUInt32LE(shbLen) : b.readUInt32BE(shbLen);
  if (type !== 1) return -1;
  return le ? b.readUInt16LE(shbLen + 8) : b.readUInt16BE(shbLen + 8);
}

async function firstIpv4Source(file: string): Promise<string> {
  const r = await tcpdump(['-nr', file, '-c', '1', 'ip']);
  const m = /IP (\d+\.\d+\.\d+\.\d+)[.: ]/.exec(r.stdout.toString('utf8'));
  return m ? m[1]! : '10.0.0.1';
}

interface FileResult {
  file: string;
  linkType: number;
  packets: number;
  checked: number;
  compileErrors: number;
  mismatches: string[];
  skipped?: string;
}

async function checkFile(file: string): Promise<FileResult> {
  const rel = relative(CORPUS, file);
  const all = await tcpdump(['-r', file, '-w', '-']);
  const base = parsePcap(all.stdout);
  const res: FileResult = { file: rel, linkType: base.linkType, packets: base.frames.length, checked: 0, compileErrors: 0, mismatches: [] };
  if (base.linkType < 0) return { ...res, skipped: `tcpdump cannot read it: ${all.stderr.trim().split('\n').pop()}` };
  if (base.frames.length > MAX_PACKETS) return { ...res, skipped: `${base.frames.length} packets > ${MAX_PACKETS}` };
  const host = await firstIpv4Source(file);
  for (const template of EXPRESSIONS) {
    const expr = template.replace('X', host);
    const ref = await tcpdump(['-r', file, '-w', '-', expr]);
    let filter: ReturnType<typeof compileFileFilter>;
    try {
      filter = compileFileFilter(expr, base.linkType);
    } catch (e) {
      if (!(e instanceof FilterError)) throw e;
      res.compileErrors++;
      // libpcap refused the expression for this link type: tcpdump must refuse it with the same text.
      const libpcapText = e.message.replace(/^filter '.*' \(link type \d+\): /, '');
      if (ref.ok || !ref.stderr.includes(libpcapText)) res.mismatches.push(`${expr}: we fail (${libpcapText}) but tcpdump says ${ref.stderr.trim()}`);
      continue;
    }
    const selected = parsePcap(ref.stdout);
    const theirs = numbersOfSubsequence(base.records, selected.records);
    const ours: number[] = [];
    for (const f of base.frames) if (filter(f)) ours.push(f.n);
    res.checked++;
    if (ours.length !== theirs.length || ours.some((n, i) => n !== theirs[i])) {
      const diff = ours.filter((n) => !theirs.includes(n)).slice(0, 5).concat(theirs.filter((n) => !ours.includes(n)).slice(0, 5));
      res.mismatches.push(`${expr}: we select ${ours.length}, tcpdump ${theirs.length} (differing packets ${diff.join(',')})`);
    }
  }
  return res;
}

test('BPF filters on corpus files select exactly what tcpdump -r selects', async (t) => {
  if (!needShared(t) || !needTool(t, 'tcpdump')) return;
  if (!need(t, nativeAvailable(), 'needs the libpcap binding (npm rebuild)')) return;
  let ethernetSeen = 0;
  const files = captureFiles(CORPUS).filter((f) => linkTypeOf(f) !== 1 || ethernetSeen++ % ETHERNET_STRIDE === 0);
  const results: FileResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) results.push(await checkFile(files[next++]!));
  };
  await Promise.all([worker(), worker(), worker()]);
  results.sort((a, b) => a.file.localeCompare(b.file));
  const checked = results.filter((r) => r.skipped === undefined);
  const linkTypes = new Map<number, number>();
  for (const r of checked) linkTypes.set(r.linkType, (linkTypes.get(r.linkType) ?? 0) + 1);
  const comparisons = checked.reduce((s, r) => s + r.checked, 0);
  const refused = checked.reduce((s, r) => s + r.compileErrors, 0);
  const bad = checked.filter((r) => r.mismatches.length > 0);
  t.diagnostic(`${checked.length}/${files.length} files, ${comparisons} expression runs agree-checked, ${refused} refused by libpcap in both`);
  t.diagnostic(`link types covered: ${[...linkTypes].map(([lt, n]) => `${lt}×${n}`).join(' ')}`);
  for (const r of results.filter((x) => x.skipped !== undefined)) t.diagnostic(`skipped ${r.file}: ${r.skipped}`);
  assert.deepEqual(bad.map((r) => `${r.file}: ${r.mismatches.join('; ')}`), []);
  assert.ok(checked.length >= files.length - 10, `only ${checked.length} of ${files.length} files checked`);
  assert.ok(linkTypes.size >= 10, `only ${linkTypes.size} link types covered`);
});
