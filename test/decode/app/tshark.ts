/**
 * Reads per-packet fields from tshark, so the application decoders can be fed
 * real payload bytes (udp.payload / tcp.payload) and checked against
 * tshark's own dissection without depending on wirewatch's packet decoder.
 */
import { spawnSync } from 'node:child_process';
import { corpusFile } from '../../helpers/env.js';

/** Separates several occurrences of a field within one cell (never produced by tshark itself). */
export const AGG = '\x1e';

/** One row per packet matching `filter`: a map from field name to its cell ('' when absent). */
export function tsharkRows(rel: string, filter: string, fields: readonly string[]): Map<string, string>[] {
  const args = ['-n', '-r', corpusFile(rel), '-Y', filter, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', `aggregator=${AGG}`];
  for (const f of fields) args.push('-e', f);
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`tshark failed on ${rel}: ${r.stderr}`);
  const rows: Map<string, string>[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const cells = line.split('\t');
    const row = new Map<string, string>();
    fields.forEach((f, i) => row.set(f, cells[i] ?? ''));
    rows.push(row);
  }
  return rows;
}

/** Field value of a row ('' when absent). */
export function cell(row: Map<string, string>, field: string): string {
  return row.get(field) ?? '';
}

/** Values of a multi-occurrence cell. */
export function cells(row: Map<string, string>, field: string): string[] {
  const v = cell(row, field);
  return v === '' ? [] : v.split(AGG);
}

export function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
