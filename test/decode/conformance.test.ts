/**
 * Conformance against tshark: every capture in ../shared/corpus is decoded,
 * serialised with packetToJson, and compared packet by packet with
 * ../shared/corpus/expected/<path>.tshark.tsv. Every packet tshark decodes
 * without a malformed mark must agree on every column, except the differences
 * listed (with their reason) in known-differences.json, which must still occur.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS, ROOT, needShared } from '../helpers/env.js';
import { compareCapture, corpusCaptures, fieldMatches, parseFrames, type Difference, type KnownDifference } from './conformance-lib.js';

interface CompiledKnown {
  entry: KnownDifference;
  frames: Set<number>;
  used: Set<number>;
}

function loadKnown(): CompiledKnown[] {
  const path = join(ROOT, 'test', 'decode', 'known-differences.json');
  const list = JSON.parse(readFileSync(path, 'utf8')) as KnownDifference[];
  return list.map((entry) => {
    assert.ok(typeof entry.reason === 'string' && entry.reason.length > 10, `${path}: entry for ${entry.file} needs a reason`);
    return { entry, frames: parseFrames(entry.frame), used: new Set<number>() };
  });
}

function describe(d: Difference): string {
  return `${d.file} frame ${d.frame} ${d.field}: tshark=[${d.tshark}] ours=[${d.ours}]`;
}

test('decode + JSON agree with tshark on every corpus capture', async (t) => {
  if (!needShared(t)) return;
  const known = loadKnown();
  const byFile = new Map<string, CompiledKnown[]>();
  for (const k of known) {
    const l = byFile.get(k.entry.file) ?? [];
    l.push(k);
    byFile.set(k.entry.file, l);
  }
  const unlisted: Difference[] = [];
  let packets = 0;
  let agree = 0;
  let files = 0;
  for (const rel of corpusCaptures(CORPUS)) {
    const r = await compareCapture(CORPUS, rel);
    files++;
    packets += r.packets;
    agree += r.agree;
    const entries = byFile.get(rel) ?? [];
    let listed = 0;
    for (const d of r.differences) {
      let hit = false;
      for (const k of entries) {
        if (k.frames.has(d.frame) && fieldMatches(k.entry.field, d.field)) {
          k.used.add(d.frame);
          hit = true;
        }
      }
      if (hit) listed++;
      else if (!d.tsharkMalformed) unlisted.push(d);
    }
    const pct = r.packets === 0 ? 100 : (100 * r.agree) / r.packets;
    const extra = [
      r.malformed > 0 ? `tshark-malformed ${r.malformedAgree}/${r.malformed}` : '',
      listed > 0 ? `${listed} known diffs` : '',
      r.readError !== null ? 'read error (kept frames before it)' : '',
    ].filter((s) => s !== '').join(', ');
    console.log(`${rel}: ${r.agree}/${r.packets} (${pct.toFixed(1)}%)${extra === '' ? '' : ` ${extra}`}`);
  }
  console.log(`TOTAL ${files} files: ${agree}/${packets} packets agree on every column (${((100 * agree) / Math.max(1, packets)).toFixed(2)}%)`);
  const stale: string[] = [];
  for (const k of known) {
    for (const f of k.frames) if (!k.used.has(f)) stale.push(`${k.entry.file} frame ${f} ${k.entry.field}`);
  }
  assert.deepEqual(unlisted.slice(0, 40).map(describe), [], `${unlisted.length} differences not in known-differences.json`);
  assert.deepEqual(stale.slice(0, 40), [], `${stale.length} listed differences no longer occur: remove them from known-differences.json`);
});
