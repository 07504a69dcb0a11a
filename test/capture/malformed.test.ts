/**
 * The corpus files broken on purpose at file level (shared/corpus/README.md,
 * "Malformed on purpose / File-level"): each gives a clear error or warning
 * with the right byte offset, after delivering every good record before it.
 * Offsets are derived from tshark's cap_len column (24-byte header + 16 + caplen
 * per record), not from our own reader.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCaptureFile } from '../../src/capture/open.js';
import { CaptureError, type SourceStats } from '../../src/capture/frame.js';
import { corpusFile, needShared } from '../helpers/env.js';
import { tsharkExpected } from './corpus-files.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Outcome {
  frames: number[];
  stats: SourceStats | null;
  error: CaptureError | null;
}

async function readAll(path: string): Promise<Outcome> {
  const frames: number[] = [];
  let src;
  try {
    src = await openCaptureFile(path);
  } catch (e) {
    if (e instanceof CaptureError) return { frames, stats: null, error: e };
    throw e;
  }
  try {
    await src.run((f) => frames.push(f.capLen));
    return { frames, stats: src.stats(), error: null };
  } catch (e) {
    if (e instanceof CaptureError) return { frames, stats: src.stats(), error: e };
    throw e;
  }
}

/** Offset just after the records tshark read in a classic pcap. */
function offsetAfterTsharkRecords(rel: string): number {
  return tsharkExpected(rel).rows.reduce((o, r) => o + 16 + r.capLen, 24);
}

test('corrupt record header: error with offset after every good record', async (t) => {
  if (!needShared(t)) return;
  for (const [rel, caplen] of [
    ['suricata-verify/tls_DER-incomplete-header.pcap', '4325376'],
    ['suricata-verify/10.7.29.101_49898-178.63.41.150_25.pcap', '3925868813'],
  ] as const) {
    const r = await readAll(corpusFile(rel));
    const exp = tsharkExpected(rel);
    assert.ok(r.error, `${rel}: expected an error`);
    assert.equal(r.frames.length, exp.rows.length, `${rel}: good records before the corrupt one`);
    assert.deepEqual(r.frames, exp.rows.map((x) => x.capLen));
    assert.equal(r.error.offset, offsetAfterTsharkRecords(rel), `${rel}: error offset`);
    assert.match(r.error.message, new RegExp(`${caplen}.*262144`));
    assert.ok(r.error.message.includes(corpusFile(rel)), 'message names the file');
  }
});

test('truncated last record: warning with offset, not failure', async (t) => {
  if (!needShared(t)) return;
  for (const rel of ['suricata-verify/http-mime-truncated.pcap', 'dpkt/truncated_dns_2.pcap', 'ndpi/fuzz-2021-10-13.pcap']) {
    const r = await readAll(corpusFile(rel));
    assert.equal(r.error, null, `${rel}: ${r.error?.message}`);
    assert.equal(r.frames.length, tsharkExpected(rel).rows.length, rel);
    const w = r.stats!.warnings.find((x) => x.includes('file ends in the middle'));
    assert.ok(w, `${rel}: truncation warning in ${JSON.stringify(r.stats!.warnings)}`);
    assert.ok(w.includes(`byte offset ${offsetAfterTsharkRecords(rel)} `), `${rel}: ${w}`);
  }
});

test('pcap version 2.0 swaps the length fields like libpcap and Wireshark', async (t) => {
  if (!needShared(t)) return;
  // fuzz-2021-10-13.pcap is version 2.0: caplen 197 and len 524501 come from the swapped fields, as tshark shows.
  const rel = 'ndpi/fuzz-2021-10-13.pcap';
  const r = await readAll(corpusFile(rel));
  assert.deepEqual(r.frames, [197]);
  assert.ok(r.stats!.warnings.some((w) => w.includes('old pcap version 2.0')));
});

test('invalid timestamp fractions: every record kept, each bad one warned with its offset', async (t) => {
  if (!needShared(t)) return;
  for (const [rel, unit] of [
    ['tcpdump/timestamp_invalid_nano.pcap', 'ns'],
    ['tcpdump/timestamp_invalid_micro.pcap', 'µs'],
  ] as const) {
    const r = await readAll(corpusFile(rel));
    assert.equal(r.error, null);
    assert.equal(r.frames.length, 3);
    const w = r.stats!.warnings.filter((x) => x.includes('invalid timestamp fraction'));
    assert.equal(w.length, 2, JSON.stringify(w));
    assert.ok(w[0]!.includes('record 2 at byte offset 116') && w[0]!.includes(unit), w[0]);
    assert.ok(w[1]!.includes('record 3 at byte offset 208'), w[1]);
  }
});

test('unsupported headers are refused like tshark, with offset; pcap 2.5 is read with a warning', async (t) => {
  if (!needShared(t)) return;
  const refused: [string, number, RegExp][] = [
    ['libpcap/pcap-invalid-version-1.pcap', 4, /pcap version 1\.4/],
    ['libpcap/pcapng-invalid-vers-1.pcapng', 12, /pcapng version 0\.1/],
    ['libpcap/pcapng-invalid-vers-2.pcapng', 12, /pcapng version 1\.1/],
    ['libpcap/shb-option-too-long.pcapng', 0, /Section|0xa0d0d0a/],
    ['libpcap/linktype-reserved-field-not-zero.pcap', 20, /reserved bits set \(0x00300000\)/],
  ];
  for (const [rel, offset, re] of refused) {
    const r = await readAll(corpusFile(rel));
    assert.ok(r.error, `${rel} must be refused`);
    assert.equal(r.error.offset, offset, `${rel}: ${r.error.message}`);
    assert.match(r.error.message, re);
    assert.equal(r.frames.length, 0);
  }
  const v25 = await readAll(corpusFile('libpcap/pcap-invalid-version-2.pcap'));
  assert.equal(v25.error, null);
  assert.equal(v25.frames.length, tsharkExpected('libpcap/pcap-invalid-version-2.pcap').rows.length);
  assert.ok(v25.stats!.warnings.some((w) => w.includes('2.5')));
});

test('not a capture: error names the file and the magic found', async () => {
  const dir = tempDir('ww-cap-');
  const txt = join(dir, 'notes.pcap');
  writeFileSync(txt, 'hello, this is text');
  const r = await readAll(txt);
  assert.ok(r.error);
  assert.ok(r.error.message.includes(txt));
  assert.match(r.error.message, /magic 0x68656c6c/);
  const empty = join(dir, 'empty.pcapng');
  writeFileSync(empty, '');
  const e = await readAll(empty);
  assert.match(e.error?.message ?? '', /too short/);
  const missing = await readAll(join(dir, 'nope.pcap'));
  assert.match(missing.error?.message ?? '', /nope\.pcap: cannot open capture: no such file/);
  // A pcap header cut inside: clear error, not a crash.
  const cut = join(dir, 'cut.pcap');
  writeFileSync(cut, Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0]));
  assert.match((await readAll(cut)).error?.message ?? '', /truncated pcap file header/);
});
