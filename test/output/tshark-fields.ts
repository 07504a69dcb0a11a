/**
 * tshark's reference fields for a capture (../shared/corpus/expected/<folder>/<capture>.tshark.tsv,
 * or made on the spot with the same command for captures outside the corpus), and the same
 * fields taken from wirewatch's JSON lines, for a column-by-column comparison.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CORPUS } from '../helpers/env.js';

export const COLUMNS = [
  'frame.number', 'frame.time_epoch', 'frame.len', 'frame.cap_len', 'eth.src', 'eth.dst', 'ip.version', 'ip.proto',
  'ip.src', 'ip.dst', 'ip.ttl', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'tcp.flags',
  'tcp.window_size_value', 'tcp.checksum', 'udp.srcport', 'udp.dstport', 'udp.length', 'udp.checksum', 'dns.qry.name',
  '_ws.malformed',
] as const;
export type Column = (typeof COLUMNS)[number];
export type Row = Record<Column, string>;

function parseTsv(text: string): Row[] {
  const lines = text.split('\n').filter((l) => l !== '');
  const header = lines[0]!.split('\t');
  return lines.slice(1).map((l) => {
    const cells = l.split('\t');
    const row = {} as Row;
    header.forEach((h, i) => (row[h as Column] = cells[i] ?? ''));
    return row;
  });
}

/** tshark's rows for `file`: the corpus reference when there is one, else tshark run now. */
export function tsharkRows(file: string): Row[] {
  const rel = relative(CORPUS, file);
  const expected = join(CORPUS, 'expected', `${rel}.tshark.tsv`);
  if (!rel.startsWith('..') && existsSync(expected)) return parseTsv(readFileSync(expected, 'utf8'));
  const args = ['-n', '-r', file, '-T', 'fields', '-E', 'header=y', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=;'];
  for (const c of COLUMNS) args.push('-e', c);
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return parseTsv(r.stdout);
}

type Obj = Record<string, unknown>;

const hex4 = (v: unknown): string => `0x${Number(v).toString(16).padStart(4, '0')}`;

/** Each level of a JSON packet in tshark's occurrence order: the level, its ICMP quote, then its tunnel payload. */
function levels(o: Obj, out: Obj[] = []): Obj[] {
  out.push(o);
  const icmp = o.icmp as Obj | undefined;
  if (icmp?.quoted !== undefined) levels(icmp.quoted as Obj, out);
  if (o.inner !== undefined) levels(o.inner as Obj, out);
  return out;
}

function collect(ls: Obj[], layer: string, pick: (l: Obj) => unknown): string {
  const vals: string[] = [];
  for (const l of ls) {
    const x = l[layer] as Obj | undefined;
    if (x === undefined) continue;
    const v = pick(x);
    if (v !== undefined && v !== null) vals.push(String(v));
  }
  return vals.join(';');
}

/** "1467818432.675392000" from "2016-07-06T15:20:32.675392Z". */
function epoch9(ts: string): string {
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(ts)!;
  const sec = Date.parse(`${m[1]}Z`) / 1000;
  return `${sec}.${(m[2] ?? '').padEnd(9, '0')}`;
}

/** The comparable columns from one wirewatch JSON object. */
export function jsonToRow(o: Obj): Partial<Row> {
  const ls = levels(o);
  const v4 = (l: Obj): boolean => (l.ip as Obj | undefined)?.version === 4;
  const v6 = (l: Obj): boolean => (l.ip as Obj | undefined)?.version === 6;
  const dnsNames = ls
    .map((l) => ((l.dns as Obj | undefined)?.questions as Obj[] | undefined) ?? [])
    .flat()
    .map((q) => String(q.name));
  return {
    'frame.number': String(o.n),
    'frame.time_epoch': epoch9(String(o.ts)),
    'frame.len': String(o.len),
    'frame.cap_len': String(o.caplen),
    'eth.src': collect(ls, 'eth', (e) => e.src),
    'eth.dst': collect(ls, 'eth', (e) => e.dst),
    // tshark's IPv6 dissector fills ip.version too.
    'ip.version': collect(ls, 'ip', (i) => i.version),
    'ip.proto': collect(ls.filter(v4), 'ip', (i) => i.proto),
    'ip.src': collect(ls.filter(v4), 'ip', (i) => i.src),
    'ip.dst': collect(ls.filter(v4), 'ip', (i) => i.dst),
    'ip.ttl': collect(ls.filter(v4), 'ip', (i) => i.ttl),
    'ipv6.src': collect(ls.filter(v6), 'ip', (i) => i.src),
    'ipv6.dst': collect(ls.filter(v6), 'ip', (i) => i.dst),
    'tcp.srcport': collect(ls, 'tcp', (t) => t.sport),
    'tcp.dstport': collect(ls, 'tcp', (t) => t.dport),
    'tcp.flags': collect(ls, 'tcp', (t) => `0x${Number(t.flags).toString(16).padStart(4, '0')}`),
    'tcp.window_size_value': collect(ls, 'tcp', (t) => t.window),
    'tcp.checksum': collect(ls, 'tcp', (t) => hex4(t.checksum)),
    'udp.srcport': collect(ls, 'udp', (u) => u.sport),
    'udp.dstport': collect(ls, 'udp', (u) => u.dport),
    'udp.length': collect(ls, 'udp', (u) => u.length),
    'udp.checksum': collect(ls, 'udp', (u) => hex4(u.checksum)),
    'dns.qry.name': dnsNames.join(';'),
  };
}

/** Columns compared (everything but the malformed mark). */
export const COMPARED: readonly Column[] = COLUMNS.filter((c) => c !== '_ws.malformed');

/** Differences between tshark's row and ours, as "column: tshark=... wirewatch=..." strings. */
export function diffRow(t: Row, w: Partial<Row>): string[] {
  const out: string[] = [];
  for (const c of COMPARED) {
    if ((t[c] ?? '') !== (w[c] ?? '')) out.push(`${c}: tshark=${JSON.stringify(t[c])} wirewatch=${JSON.stringify(w[c])}`);
  }
  return out;
}
