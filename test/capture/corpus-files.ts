/** Finds the corpus captures by magic (as shared/corpus/expected/make.sh does) and loads tshark's reference columns. */
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS, corpusFiles } from '../helpers/env.js';

const MAGICS = new Set(['a1b2c3d4', 'd4c3b2a1', 'a1b23c4d', '4d3cb2a1', '0a0d0d0a']);

function magicOf(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(4);
    const n = readSync(fd, b, 0, 4, 0);
    return b.subarray(0, n).toString('hex');
  } finally {
    closeSync(fd);
  }
}

/** Corpus-relative paths of every capture, sorted. */
export function corpusCaptures(): string[] {
  return corpusFiles(CORPUS, (p) => MAGICS.has(magicOf(p)));
}

export interface TsharkRow {
  number: number;
  timeEpoch: string;
  len: number;
  capLen: number;
}

export interface TsharkExpectation {
  rows: TsharkRow[];
  /** tshark's stderr when it stopped early or refused the file, else null. */
  err: string | null;
}

export function tsharkExpected(rel: string): TsharkExpectation {
  const base = join(CORPUS, 'expected', `${rel}.tshark.tsv`);
  const lines = readFileSync(base, 'utf8').split('\n');
  const header = lines[0]!.split('\t');
  const iNum = header.indexOf('frame.number');
  const iTime = header.indexOf('frame.time_epoch');
  const iLen = header.indexOf('frame.len');
  const iCap = header.indexOf('frame.cap_len');
  const rows: TsharkRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const c = line.split('\t');
    rows.push({ number: Number(c[iNum]), timeEpoch: c[iTime]!, len: Number(c[iLen]), capLen: Number(c[iCap]) });
  }
  const errPath = `${base}.err`;
  return { rows, err: existsSync(errPath) ? readFileSync(errPath, 'utf8').trim() : null };
}

/** frame.time_epoch as tshark prints it: seconds, a dot, nine digits of nanoseconds. */
export function epochString(sec: number, nsec: number): string {
  return `${sec}.${String(nsec).padStart(9, '0')}`;
}

/**
 * For a pcapng file, the kind of every record tshark numbers, in order:
 * 'packet' (EPB, SPB, obsolete PB) or 'other' (custom and systemd-journal
 * blocks, which tshark 4.0 lists as frames too). A deliberately minimal walk
 * (type + length only), independent of the reader under test. null for pcap.
 */
export function tsharkRecordKinds(path: string): ('packet' | 'other')[] | null {
  const d = readFileSync(path);
  if (d.length < 12 || d.readUInt32BE(0) !== 0x0a0d0d0a) return null;
  const kinds: ('packet' | 'other')[] = [];
  let le = true;
  for (let p = 0; p + 12 <= d.length; ) {
    if (d.readUInt32BE(p) === 0x0a0d0d0a) le = d.readUInt32LE(p + 8) === 0x1a2b3c4d;
    const type = le ? d.readUInt32LE(p) : d.readUInt32BE(p);
    const len = le ? d.readUInt32LE(p + 4) : d.readUInt32BE(p + 4);
    if (len < 12 || p + len > d.length) break;
    if (type === 2 || type === 3 || type === 6) kinds.push('packet');
    else if (type === 0xbad || type === 0x40000bad || type === 9) kinds.push('other');
    p += len;
  }
  return kinds;
}
