/**
 * Helpers shared by the flow tests and the fixture script: the corpus
 * capture list, tshark's conversation statistics parser, and the
 * aggregation of our flows into the same per-5-tuple shape.
 */
import { spawnSync } from 'node:child_process';
import { corpusFiles } from '../helpers/env.js';
import type { FlowRecord } from '../../src/flow/record.js';

/** One tshark conversation: endpoints "ip:port" (A, B as tshark prints them) and per-direction counts. */
export interface Conv {
  proto: 'tcp' | 'udp';
  a: string;
  b: string;
  /** A → B frames and bytes, B → A frames and bytes. */
  abFrames: number;
  abBytes: number;
  baFrames: number;
  baBytes: number;
  /** Byte values are exact when tshark printed "bytes"; else the rounding step (1000 for kB...). */
  abStep: number;
  baStep: number;
}

const CAPTURE_EXT = /\.(pcap|pcapng|cap|pcap\.gz|pcapng\.gz)$/i;

/** Capture files of the corpus (relative paths, sorted), excluding expected/ outputs. */
export function corpusCaptures(corpus: string): string[] {
  return corpusFiles(corpus, (_, name) => CAPTURE_EXT.test(name));
}

function parseBytes(num: string, unit: string): { v: number; step: number } {
  const n = Number(num.replace(/,/g, ''));
  switch (unit) {
    case 'bytes':
      return { v: n, step: 0 };
    case 'kB':
      return { v: n * 1e3, step: 1e3 };
    case 'MB':
      return { v: n * 1e6, step: 1e6 };
    case 'GB':
      return { v: n * 1e9, step: 1e9 };
    default:
      return { v: n, step: 0 };
  }
}

/** Parses `tshark -q -z conv,tcp -z conv,udp` output. */
export function parseConv(text: string): Conv[] {
  const out: Conv[] = [];
  let proto: 'tcp' | 'udp' | null = null;
  const row = /^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+([\d,]+)\s+(bytes|kB|MB|GB)\s+(\d+)\s+([\d,]+)\s+(bytes|kB|MB|GB)\s+/;
  for (const line of text.split('\n')) {
    if (line.startsWith('TCP Conversations')) proto = 'tcp';
    else if (line.startsWith('UDP Conversations')) proto = 'udp';
    const m = row.exec(line);
    if (m === null || proto === null) continue;
    // tshark's "<-" column is B → A, "->" is A → B.
    const ba = parseBytes(m[4]!, m[5]!);
    const ab = parseBytes(m[7]!, m[8]!);
    out.push({
      proto,
      a: m[1]!,
      b: m[2]!,
      baFrames: Number(m[3]),
      baBytes: ba.v,
      baStep: ba.step,
      abFrames: Number(m[6]),
      abBytes: ab.v,
      abStep: ab.step,
    });
  }
  return out;
}

export function tsharkConv(file: string): Conv[] {
  const r = spawnSync('tshark', ['-q', '-n', '-z', 'conv,tcp', '-z', 'conv,udp', '-r', file], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return parseConv(r.stdout ?? '');
}

/** "ip:port" as tshark prints it (IPv6 without brackets). */
export function ep(ip: string, port: number): string {
  return `${ip}:${port}`;
}

/** Our TCP/UDP flows summed per (proto, directed endpoint pair "x|y"). */
export function aggregate(recs: readonly FlowRecord[]): Map<string, { frames: number; bytes: number }> {
  const m = new Map<string, { frames: number; bytes: number }>();
  const add = (k: string, frames: number, bytes: number): void => {
    const e = m.get(k);
    if (e === undefined) m.set(k, { frames, bytes });
    else {
      e.frames += frames;
      e.bytes += bytes;
    }
  };
  for (const r of recs) {
    if (r.proto !== 'TCP' && r.proto !== 'UDP') continue;
    const p = r.proto.toLowerCase();
    const s = ep(r.src_ip, r.src_port);
    const d = ep(r.dest_ip, r.dest_port);
    add(`${p} ${s}|${d}`, r.flow.pkts_toserver, r.flow.bytes_toserver);
    add(`${p} ${d}|${s}`, r.flow.pkts_toclient, r.flow.bytes_toclient);
  }
  return m;
}

/** Differences between a tshark conversation list and our aggregated flows (empty when they agree). */
export function compareConv(convs: readonly Conv[], ours: Map<string, { frames: number; bytes: number }>): string[] {
  const diffs: string[] = [];
  const check = (proto: string, x: string, y: string, frames: number, bytes: number, step: number): void => {
    const e = ours.get(`${proto} ${x}|${y}`) ?? { frames: 0, bytes: 0 };
    const bytesOk = step === 0 ? e.bytes === bytes : Math.abs(e.bytes - bytes) <= step;
    if (e.frames !== frames || !bytesOk) {
      diffs.push(`${proto} ${x} -> ${y}: tshark ${frames} frames / ${bytes} bytes, ours ${e.frames} / ${e.bytes}`);
    }
  };
  for (const c of convs) {
    check(c.proto, c.a, c.b, c.abFrames, c.abBytes, c.abStep);
    check(c.proto, c.b, c.a, c.baFrames, c.baBytes, c.baStep);
  }
  return diffs;
}
