/**
 * Scores a whole capture file with Kitsune outside the CLI pipeline (reader →
 * decoder → AfterImage → KitNET), timing the feature and model parts apart.
 * Used by the evaluation tests and the benchmark.
 */
import { openCaptureFile } from '../../capture/open.js';
import { Decoder } from '../../decode/decoder.js';
import { Packet } from '../../decode/packet.js';
import { AfterImage, type Layout } from './afterimage.js';
import { PacketFrontEnd } from './frontend-packet.js';
import { KitNET, type KitNETOptions } from './kitnet.js';
import type { BoundsOptions } from './streams.js';

export interface OfflineOptions {
  layout: Layout;
  bounds: BoundsOptions;
  kitnet: Omit<KitNETOptions, 'n'>;
  /** Stop after this many frames (0 = all). */
  limit?: number;
}

export interface OfflineResult {
  /** scores[frame number] (index 0 unused); 0 for training frames. */
  scores: Float64Array;
  packets: number;
  /** Milliseconds in reading + decoding, AfterImage, and KitNET. */
  readMs: number;
  afterImageMs: number;
  kitnetMs: number;
  state: { streams: number; links: number };
}

export async function scoreCapture(path: string, o: OfflineOptions): Promise<OfflineResult> {
  const ai = new AfterImage(o.layout, o.bounds);
  const fe = new PacketFrontEnd(ai);
  const k = new KitNET({ ...o.kitnet, n: ai.width });
  const x = new Float64Array(ai.width);
  const source = await openCaptureFile(path);
  const decoder = new Decoder();
  const pkt = new Packet();
  let scores = new Float64Array(1 << 16);
  let packets = 0;
  let aiMs = 0;
  let knMs = 0;
  const limit = o.limit ?? 0;
  const t0 = performance.now();
  await source.run((frame) => {
    if (limit > 0 && packets >= limit) {
      source.stop();
      return;
    }
    decoder.decode(frame, pkt);
    const a = performance.now();
    fe.process(pkt, x);
    const b = performance.now();
    const s = k.process(x);
    knMs += performance.now() - b;
    aiMs += b - a;
    if (pkt.n >= scores.length) {
      const g = new Float64Array(scores.length * 2);
      g.set(scores);
      scores = g;
    }
    scores[pkt.n] = s;
    packets++;
  });
  const total = performance.now() - t0;
  return { scores: scores.subarray(0, packets + 1), packets, readMs: total - aiMs - knMs, afterImageMs: aiMs, kitnetMs: knMs, state: ai.stateSize() };
}

/** Per-frame 0/1 labels from a `frame,label,...` CSV (index = frame number). */
export function parseLabels(csv: string, where: string): Uint8Array {
  const lines = csv.split('\n');
  const rows: [number, number][] = [];
  let max = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const c1 = line.indexOf(',');
    const c2 = line.indexOf(',', c1 + 1);
    const f = Number(line.slice(0, c1));
    const l = Number(c2 < 0 ? line.slice(c1 + 1) : line.slice(c1 + 1, c2));
    if (!Number.isInteger(f) || f < 1 || (l !== 0 && l !== 1)) throw new Error(`${where}: line ${i + 1}: expected frame,label (0/1)`);
    rows.push([f, l]);
    if (f > max) max = f;
  }
  const out = new Uint8Array(max + 1);
  for (const [f, l] of rows) out[f] = l;
  return out;
}
