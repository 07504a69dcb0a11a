/**
 * Builds Ethernet/IPv4/TCP|UDP frames byte by byte (with valid checksums)
 * and feeds them through the real decoder into a FlowStage, for the
 * hand-computed feature tests.
 */
import { RawFrame } from '../../src/capture/frame.js';
import { Decoder } from '../../src/decode/decoder.js';
import { Packet } from '../../src/decode/packet.js';
import { flowOptions, type FlowOptions } from '../../src/flow/options.js';
import type { FlowRecord } from '../../src/flow/record.js';
import { FlowStage } from '../../src/flow/stage.js';

export const A = [10, 0, 0, 1] as const;
export const B = [10, 0, 0, 2] as const;

export interface Seg {
  /** Microseconds since the start of the test flow. */
  t: number;
  src: readonly number[];
  dst: readonly number[];
  sport: number;
  dport: number;
  /** 'tcp' (default) or 'udp'. */
  proto?: 'tcp' | 'udp';
  flags?: string;
  seq?: number;
  ack?: number;
  win?: number;
  payload?: number;
  /** Extra TCP option bytes (multiple of 4). */
  optLen?: number;
}

function csum(b: Uint8Array, off: number, len: number, init = 0): number {
  let s = init;
  for (let i = 0; i + 1 < len; i += 2) s += (b[off + i]! << 8) | b[off + i + 1]!;
  if (len & 1) s += b[off + len - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

const FLAG_BITS: Record<string, number> = { F: 1, S: 2, R: 4, P: 8, A: 16, U: 32, E: 64, C: 128 };

/** One Ethernet frame for `s`. */
export function frameOf(s: Seg): Uint8Array {
  const tcp = (s.proto ?? 'tcp') === 'tcp';
  const opt = s.optLen ?? 0;
  const l4h = tcp ? 20 + opt : 8;
  const pay = s.payload ?? 0;
  const ipLen = 20 + l4h + pay;
  const b = new Uint8Array(14 + ipLen);
  b.set([2, 0, 0, 0, 0, s.dst[3]!, 2, 0, 0, 0, 0, s.src[3]!, 0x08, 0x00], 0);
  const ip = 14;
  b[ip] = 0x45;
  b[ip + 2] = ipLen >>> 8;
  b[ip + 3] = ipLen & 255;
  b[ip + 8] = 64;
  b[ip + 9] = tcp ? 6 : 17;
  b.set(s.src, ip + 12);
  b.set(s.dst, ip + 16);
  const ic = ~csum(b, ip, 20) & 0xffff;
  b[ip + 10] = ic >>> 8;
  b[ip + 11] = ic & 255;
  const l4 = ip + 20;
  b[l4] = s.sport >>> 8;
  b[l4 + 1] = s.sport & 255;
  b[l4 + 2] = s.dport >>> 8;
  b[l4 + 3] = s.dport & 255;
  for (let i = 0; i < pay; i++) b[l4 + l4h + i] = 0x61 + (i % 26);
  if (tcp) {
    const dv = new DataView(b.buffer);
    dv.setUint32(l4 + 4, (s.seq ?? 0) >>> 0);
    dv.setUint32(l4 + 8, (s.ack ?? 0) >>> 0);
    b[l4 + 12] = ((20 + opt) / 4) << 4;
    let f = 0;
    for (const c of s.flags ?? 'A') f |= FLAG_BITS[c] ?? 0;
    b[l4 + 13] = f;
    dv.setUint16(l4 + 14, s.win ?? 1000);
    for (let i = 0; i < opt; i++) b[l4 + 20 + i] = 1; // NOP options
  } else {
    b[l4 + 4] = (8 + pay) >>> 8;
    b[l4 + 5] = (8 + pay) & 255;
  }
  // Pseudo-header checksum.
  const l4len = l4h + pay;
  let ps = csum(b, ip + 12, 8);
  ps += tcp ? 6 : 17;
  ps += l4len;
  const c = ~csum(b, l4, l4len, ps) & 0xffff;
  const co = tcp ? l4 + 16 : l4 + 6;
  b[co] = c >>> 8;
  b[co + 1] = c & 255;
  return b;
}

/** Base time of crafted flows (seconds). */
export const T0 = 1_600_000_000;

/** Runs the segments through decoder + flow stage; returns the records in end order. */
export function runSegments(segs: readonly Seg[], over: Partial<FlowOptions> = {}): { recs: FlowRecord[]; stage: FlowStage } {
  const stage = new FlowStage(flowOptions('default', over));
  const recs: FlowRecord[] = [];
  stage.addSink((r) => recs.push(r));
  const dec = new Decoder();
  const pkt = new Packet();
  const fr = new RawFrame();
  let n = 0;
  let lastSec = -1;
  for (const s of segs) {
    const data = frameOf(s);
    fr.n = ++n;
    const us = T0 * 1e6 + s.t;
    fr.tsSec = Math.floor(us / 1e6);
    fr.tsNsec = (us - fr.tsSec * 1e6) * 1000;
    fr.origLen = fr.capLen = data.length;
    fr.linkType = 1;
    fr.data = data;
    dec.decode(fr, pkt);
    stage.onPacket(pkt);
    if (fr.tsSec !== lastSec) {
      lastSec = fr.tsSec;
      stage.onTick(fr.tsSec, fr.tsNsec);
    }
  }
  stage.onEnd();
  return { recs, stage };
}

/** Sample standard deviation of values (n - 1), 0 below two values. */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}
