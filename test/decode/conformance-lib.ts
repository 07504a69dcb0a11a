/**
 * Conformance of decode + JSON output against tshark's reference fields for
 * every capture in ../shared/corpus (see test/decode/conformance.test.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { openCaptureFile } from '../../src/capture/open.js';
import { Decoder } from '../../src/decode/decoder.js';
import { Packet } from '../../src/decode/packet.js';
import { packetToJson } from '../../src/output/json.js';
import { corpusFiles } from '../helpers/env.js';
import { jsonColumns, TSHARK_COLUMNS, type TsharkColumn } from './tshark-columns.js';

export interface Difference {
  file: string;
  frame: number;
  field: TsharkColumn | 'frame';
  tshark: string;
  ours: string;
  /** tshark marked the packet malformed: reported, not held against us. */
  tsharkMalformed: boolean;
}

export interface FileResult {
  file: string;
  /** Packets tshark decoded without a malformed mark, and how many of them agree on every column. */
  packets: number;
  agree: number;
  /** Packets tshark marked malformed, and how many of those agree anyway. */
  malformed: number;
  malformedAgree: number;
  differences: Difference[];
  /** Capture reader error (corrupt file on purpose), after the good frames. */
  readError: string | null;
}

/** Capture files under `corpus` that have a tshark reference, relative paths, sorted. */
export function corpusCaptures(corpus: string): string[] {
  return corpusFiles(corpus, (p) => existsSync(expectedPath(corpus, relative(corpus, p))));
}

export function expectedPath(corpus: string, rel: string): string {
  return join(corpus, 'expected', `${rel}.tshark.tsv`);
}

interface ExpectedRow {
  cells: Map<string, string>;
  malformed: boolean;
}

function readExpected(path: string): Map<number, ExpectedRow> {
  const lines = readFileSync(path, 'utf8').split('\n').filter((s) => s.length > 0);
  const rows = new Map<number, ExpectedRow>();
  if (lines.length === 0) return rows;
  const header = lines[0]!.split('\t');
  for (let i = 1; i < lines.length; i++) {
    const cols = lines[i]!.split('\t');
    const cells = new Map<string, string>();
    header.forEach((h, k) => cells.set(h, cols[k] ?? ''));
    rows.set(Number(cols[0]), { cells, malformed: (cells.get('_ws.malformed') ?? '') !== '' });
  }
  return rows;
}

/** Decodes every frame of `rel` and compares it with tshark's reference. */
export async function compareCapture(corpus: string, rel: string): Promise<FileResult> {
  const expected = readExpected(expectedPath(corpus, rel));
  const res: FileResult = { file: rel, packets: 0, agree: 0, malformed: 0, malformedAgree: 0, differences: [], readError: null };
  const decoder = new Decoder();
  const pkt = new Packet();
  const seen = new Set<number>();
  try {
    const src = await openCaptureFile(join(corpus, rel));
    await src.run((frame) => {
      decoder.decode(frame, pkt);
      const row = expected.get(frame.n);
      seen.add(frame.n);
      if (row === undefined) {
        res.differences.push({ file: rel, frame: frame.n, field: 'frame', tshark: '(no such frame)', ours: 'frame', tsharkMalformed: false });
        return;
      }
      const ours = jsonColumns(JSON.parse(JSON.stringify(packetToJson(pkt))) as Record<string, unknown>);
      let same = true;
      for (const col of TSHARK_COLUMNS) {
        const t = row.cells.get(col) ?? '';
        if (t !== ours[col]) {
          same = false;
          res.differences.push({ file: rel, frame: frame.n, field: col, tshark: t, ours: ours[col], tsharkMalformed: row.malformed });
        }
      }
      if (row.malformed) {
        res.malformed++;
        if (same) res.malformedAgree++;
      } else {
        res.packets++;
        if (same) res.agree++;
      }
    });
  } catch (e) {
    res.readError = e instanceof Error ? e.message : String(e);
  }
  for (const [n, row] of expected) {
    if (!seen.has(n)) res.differences.push({ file: rel, frame: n, field: 'frame', tshark: 'frame', ours: '(not read)', tsharkMalformed: row.malformed });
  }
  return res;
}

/** One entry of test/decode/known-differences.json. */
export interface KnownDifference {
  file: string;
  /** A frame number, or a list of numbers and ranges ("1-40,52"). */
  frame: number | string;
  /** A column name, or a prefix ending in '*' ("udp.*"). */
  field: string;
  reason: string;
}

export function parseFrames(spec: number | string): Set<number> {
  const out = new Set<number>();
  if (typeof spec === 'number') {
    out.add(spec);
    return out;
  }
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (m === null) throw new Error(`known-differences.json: bad frame list "${spec}"`);
    const a = Number(m[1]);
    const z = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= z; i++) out.add(i);
  }
  return out;
}

export function fieldMatches(pattern: string, field: string): boolean {
  return pattern.endsWith('*') ? field.startsWith(pattern.slice(0, -1)) : pattern === field;
}
