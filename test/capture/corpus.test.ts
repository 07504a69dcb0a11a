/**
 * Every capture of ../shared/corpus read through openCaptureFile and compared,
 * frame by frame, with tshark's frame.number / time_epoch / len / cap_len.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openCaptureFile } from '../../src/capture/open.js';
import { CaptureError } from '../../src/capture/frame.js';
import { corpusFile, needShared } from '../helpers/env.js';
import { corpusCaptures, epochString, tsharkExpected, tsharkRecordKinds, type TsharkExpectation } from './corpus-files.js';

interface OurFrame {
  n: number;
  time: string;
  hasTs: boolean;
  len: number;
  capLen: number;
}

interface Ours {
  frames: OurFrame[];
  warnings: string[];
  error: string | null;
}

async function readOurs(path: string): Promise<Ours> {
  const frames: OurFrame[] = [];
  let warnings: string[] = [];
  let error: string | null = null;
  try {
    const src = await openCaptureFile(path);
    try {
      await src.run((f) => {
        frames.push({ n: f.n, time: epochString(f.tsSec, f.tsNsec), hasTs: f.hasTs, len: f.origLen, capLen: f.capLen });
      });
    } finally {
      warnings = src.stats().warnings;
    }
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    error = e.message;
  }
  return { frames, warnings, error };
}

const VALID_EPOCH = /^\d+\.\d{9}$/;

/** Differences between our frames and tshark's rows; [] when they agree. */
function compare(rel: string, ours: Ours, exp: TsharkExpectation, kinds: ('packet' | 'other')[] | null): string[] {
  const diffs: string[] = [];
  const rows = exp.rows;
  // tshark numbers pcapng custom blocks as frames; we deliver only packets but keep tshark's numbering in RawFrame.n.
  const packetRows = kinds === null ? rows : rows.filter((_, i) => kinds[i] === 'packet');
  if (kinds !== null && kinds.length < rows.length) diffs.push(`block walk found ${kinds.length} records, tshark ${rows.length}`);
  if (exp.err === null && ours.frames.length !== packetRows.length) diffs.push(`frame count ${ours.frames.length}, tshark ${packetRows.length}`);
  if (exp.err !== null) {
    if (ours.frames.length < packetRows.length) diffs.push(`read ${ours.frames.length} frames, tshark read ${packetRows.length} before stopping`);
    if (ours.error === null && ours.warnings.length === 0) diffs.push(`tshark reported "${exp.err.split('\n')[0]}" but we gave no error or warning`);
  } else if (ours.error !== null) {
    diffs.push(`unexpected error: ${ours.error}`);
  }
  const n = Math.min(ours.frames.length, packetRows.length);
  for (let i = 0; i < n && diffs.length < 5; i++) {
    const o = ours.frames[i]!;
    const r = packetRows[i]!;
    if (o.n !== r.number) diffs.push(`frame ${i + 1}: n ${o.n}, tshark frame.number ${r.number}`);
    if (o.len !== r.len || o.capLen !== r.capLen) diffs.push(`frame ${r.number}: len/caplen ${o.len}/${o.capLen}, tshark ${r.len}/${r.capLen}`);
    const warned = ours.warnings.some((w) => w.includes(`record ${o.n} `) && w.includes('invalid timestamp'));
    if (r.timeEpoch === '') {
      if (o.hasTs) diffs.push(`frame ${r.number}: tshark has no timestamp, we claim ${o.time}`);
    } else if (warned) {
      // Known difference: tshark keeps an out-of-range fraction (and overflows it in 32 bits);
      // we carry it into the seconds and warn. The warning is what we check here.
    } else if (!VALID_EPOCH.test(r.timeEpoch)) {
      diffs.push(`frame ${r.number}: tshark shows invalid time ${r.timeEpoch} but we gave no warning for it`);
    } else if (o.time !== r.timeEpoch || !o.hasTs) {
      diffs.push(`frame ${r.number}: time ${o.time}${o.hasTs ? '' : ' (no timestamp)'}, tshark ${r.timeEpoch}`);
    }
  }
  if (diffs.length > 0) diffs.unshift(rel);
  return diffs;
}

test('every corpus capture: frames, time_epoch, len, cap_len equal tshark', async (t) => {
  if (!needShared(t)) return;
  const files = corpusCaptures();
  assert.ok(files.length > 300, `expected the corpus's ~341 captures, found ${files.length}`);
  const failures: string[][] = [];
  let frames = 0;
  let withErr = 0;
  for (const rel of files) {
    const exp = tsharkExpected(rel);
    const ours = await readOurs(corpusFile(rel));
    frames += ours.frames.length;
    if (exp.err !== null) withErr++;
    const d = compare(rel, ours, exp, tsharkRecordKinds(corpusFile(rel)));
    if (d.length > 0) failures.push(d);
  }
  const summary = `capture corpus: ${files.length - failures.length}/${files.length} files agree with tshark (${frames} frames; ${withErr} files where tshark stopped early or refused)`;
  console.log(summary);
  for (const f of failures) console.log(`  FAIL ${f.join('\n    ')}`);
  assert.equal(failures.length, 0, `${failures.length} files differ from tshark (listed above)`);
});
