/**
 * Capture writer round trips, checked by tshark and tcpdump reading our files,
 * and rotation compared byte for byte with tcpdump -C / -W on the same input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openCaptureFile } from '../../src/capture/open.js';
import { createCaptureWriter, rotatedName, type CaptureWriterOptions } from '../../src/capture/writer.js';
import { corpusFile, needShared, needTool } from '../helpers/env.js';
import { tsharkExpected, tsharkRecordKinds } from './corpus-files.js';
import { tempDir } from '../helpers/temp-dir.js';

function tmp(): string {
  return tempDir('ww-cap-');
}

/** Copies a capture through the writer; returns the writer's stats. */
async function copyThrough(src: string, dst: string, opts: Partial<CaptureWriterOptions> = {}) {
  const source = await openCaptureFile(src);
  const first = source.interfaces()[0]!;
  const w = createCaptureWriter(dst, { linkType: first.linkType, snapLen: first.snapLen, tsDigits: first.tsDigits, ...opts });
  await source.run((f) => w.write(f));
  await w.close();
  return w.stats();
}

/** tshark's time/len/caplen rows of a file (or of several, concatenated). */
function tsharkRows(files: string[]): string[] {
  const rows: string[] = [];
  for (const f of files) {
    const r = spawnSync('tshark', ['-n', '-r', f, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    assert.equal(r.status, 0, `tshark -r ${f}: ${r.stderr}`);
    rows.push(...r.stdout.split('\n').filter((l) => l !== ''));
  }
  return rows;
}

/** The reference rows for a corpus file (packets only), from shared/corpus/expected. */
function expectedRows(rel: string): string[] {
  const kinds = tsharkRecordKinds(corpusFile(rel));
  return tsharkExpected(rel)
    .rows.filter((_, i) => kinds === null || kinds[i] === 'packet')
    .map((r) => `${r.timeEpoch}\t${r.len}\t${r.capLen}`);
}

/** tcpdump's view: one line per packet with a nanosecond timestamp and the capture length. */
function tcpdumpTimes(file: string): string[] {
  const r = spawnSync('tcpdump', ['-r', file, '-n', '-tt', '--time-stamp-precision=nano', '-q', '-e'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, `tcpdump -r ${file}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(' ')[0]!);
}

test('pcap and pcapng output read back identically by tshark and tcpdump', async (t) => {
  if (!needShared(t) || !needTool(t, 'tshark') || !needTool(t, 'tcpdump')) return;
  const dir = tmp();
  const cases: [string, string][] = [
    ['ndpi/1kxun.pcap', '1kxun.pcap'], // µs pcap → pcap (by extension)
    ['nfstream/tor.pcap', 'tor.pcapng'], // µs pcapng → pcapng, default if_tsresol
    ['pcapplusplus/nanosecs.pcap', 'nano.pcapng'], // ns → pcapng with if_tsresol 9
    ['pcapplusplus/nanosecs.pcap', 'nano.pcap'], // ns → nanosecond pcap
    ['tcpdump/time_2106_overflow.pcapng', 'y2106.pcapng'], // seconds beyond 2^32
    ['tcpdump/msnlb2.pcapng', 'snapped.pcap'], // caplen < len
  ];
  for (const [rel, out] of cases) {
    const dst = join(dir, out);
    const st = await copyThrough(corpusFile(rel), dst);
    const want = expectedRows(rel);
    assert.equal(st.written, want.length, rel);
    assert.equal(st.dropped, 0);
    const magic = readFileSync(dst).subarray(0, 4).toString('hex');
    assert.equal(magic === '0a0d0d0a', out.endsWith('.pcapng'), `${out} format by extension`);
    assert.deepEqual(tsharkRows([dst]), want, `tshark reading ${out} written from ${rel}`);
    // tcpdump (libpcap) has its own view of odd timestamps (it shows the 2106 one as 0): compare it with itself.
    assert.deepEqual(tcpdumpTimes(dst), tcpdumpTimes(corpusFile(rel)), `tcpdump reading ${out} and ${rel}`);
  }
});

test('pcapng output keeps several link types (one IDB per link type)', async (t) => {
  if (!needShared(t) || !needTool(t, 'tshark')) return;
  const rel = 'pcapplusplus/pcapng-example.pcapng'; // EN10MB and LINUX_SLL frames
  const dst = join(tmp(), 'multi.pcapng');
  const src = await openCaptureFile(corpusFile(rel));
  const w = createCaptureWriter(dst, { linkType: src.interfaces()[0]!.linkType, snapLen: 262144, tsDigits: 9 });
  const linkTypes = new Set<number>();
  await src.run((f) => {
    linkTypes.add(f.linkType);
    w.write(f);
  });
  await w.close();
  assert.ok(linkTypes.size >= 2, `expected several link types, saw ${[...linkTypes].join(',')}`);
  // One interface of this file has timestamps near 2^64 µs, beyond 64-bit nanoseconds: those are counted, not equal.
  const want = expectedRows(rel);
  const fits = (row: string): boolean => Number(row.split('.')[0]) < 18446744073;
  assert.equal(w.stats().tsOverflow, want.filter((r) => !fits(r)).length);
  assert.ok(w.stats().tsOverflow > 0 && w.stats().tsOverflow < want.length);
  const got = tsharkRows([dst]);
  assert.equal(got.length, want.length);
  assert.deepEqual(got.filter((_, i) => fits(want[i]!)), want.filter(fits));
  const encap = spawnSync('tshark', ['-n', '-r', dst, '-T', 'fields', '-e', 'frame.encap_type'], { encoding: 'utf8' });
  const origEncap = spawnSync('tshark', ['-n', '-r', corpusFile(rel), '-T', 'fields', '-e', 'frame.encap_type'], { encoding: 'utf8' });
  assert.equal(encap.stdout, origEncap.stdout, 'each frame keeps its link type');
});

test('pcap output skips frames of another link type and counts them', async (t) => {
  if (!needShared(t)) return;
  const dst = join(tmp(), 'one.pcap');
  const src = await openCaptureFile(corpusFile('pcapplusplus/pcapng-example.pcapng'));
  const w = createCaptureWriter(dst, { linkType: 113, snapLen: 262144, tsDigits: 6 });
  let sll = 0;
  let other = 0;
  await src.run((f) => {
    if (f.linkType === 113) sll++;
    else other++;
    w.write(f);
  });
  await w.close();
  assert.ok(other > 0);
  assert.equal(w.stats().written, sll);
  assert.equal(w.stats().linkTypeMismatch, other);
  const back = await openCaptureFile(dst);
  assert.equal((await back.run(() => {})).frames, sll);
});

function listRotated(dir: string): [string, number][] {
  return readdirSync(dir)
    .sort()
    .map((n) => [n, statSync(join(dir, n)).size]);
}

test('rotation matches tcpdump -C 1 and -C 1 -W 3 byte for byte', async (t) => {
  if (!needShared(t) || !needTool(t, 'tcpdump')) return;
  const src = corpusFile('zeek/echo-connections.pcap');
  for (const W of [0, 3]) {
    const ours = tmp();
    const theirs = tmp();
    const wArgs = W > 0 ? ['-W', String(W)] : [];
    const td = spawnSync('tcpdump', ['-Z', 'root', '-r', src, '-w', join(theirs, 'cap.pcap'), '-C', '1', ...wArgs], { encoding: 'utf8' });
    assert.equal(td.status, 0, td.stderr);
    await copyThrough(src, join(ours, 'cap.pcap'), { rotateBytes: 1_000_000, rotateCount: W });
    const a = listRotated(ours);
    const b = listRotated(theirs);
    assert.deepEqual(a, b, `file names and sizes with -W ${W}`);
    for (const [name] of b) assert.ok(readFileSync(join(ours, name)).equals(readFileSync(join(theirs, name))), `${name} identical`);
  }
});

test('rotated pcapng files read back as the whole capture', async (t) => {
  if (!needShared(t) || !needTool(t, 'tshark')) return;
  const rel = 'nfstream/tor.pcap';
  const dir = tmp();
  const st = await copyThrough(corpusFile(rel), join(dir, 'r.pcapng'), { rotateBytes: 500_000 });
  assert.ok(st.files.length >= 6, `${st.files.length} files`);
  assert.deepEqual(st.files, st.files.map((_, i) => join(dir, rotatedName('r.pcapng', i, 0))));
  for (const f of st.files.slice(0, -1)) {
    const size = statSync(f).size;
    // Like tcpdump: a file is closed after the first record that takes it past the limit.
    assert.ok(size > 500_000 && size < 500_000 + 65536, `${f}: ${size} bytes`);
  }
  assert.deepEqual(tsharkRows(st.files), expectedRows(rel));
});

test('a disk that cannot keep up: bounded buffer, drops counted, kept frames intact', async (t) => {
  if (!needShared(t)) return;
  const dst = join(tmp(), 'small.pcap');
  const src = await openCaptureFile(corpusFile('zeek/echo-connections.pcap'));
  // 64 KiB may wait for the disk; the whole file arrives synchronously, so most frames must be dropped.
  const w = createCaptureWriter(dst, { linkType: 1, snapLen: 65535, tsDigits: 6, maxBufferBytes: 64 * 1024 });
  const st0 = await src.run((f) => w.write(f));
  await w.close();
  const st = w.stats();
  assert.ok(st.dropped > 0, 'some frames dropped');
  assert.equal(st.written + st.dropped, st0.frames);
  const back = await openCaptureFile(dst);
  const r = await back.run(() => {});
  assert.equal(r.frames, st.written);
  assert.deepEqual(r.warnings, []);
});

test('a bad output path fails at once, naming the path', () => {
  assert.throws(() => createCaptureWriter('/nonexistent-dir/x.pcap', { linkType: 1, snapLen: 65535, tsDigits: 6 }), /nonexistent-dir\/x\.pcap/);
});

test('tcpdump naming for rotated files', () => {
  assert.equal(rotatedName('f', 0, 0), 'f');
  assert.equal(rotatedName('f', 2, 0), 'f2');
  assert.equal(rotatedName('f', 0, 1), 'f');
  assert.equal(rotatedName('f', 0, 3), 'f0');
  assert.equal(rotatedName('f', 7, 100), 'f07');
  assert.equal(rotatedName('f', 10, 11), 'f10');
});
