/**
 * ML benchmark on ../shared/datasets/lab/lab-mixed.pcap (124,593 frames), the
 * capture Kitsune-py's 272 packets/s was measured on (its README):
 *   - AfterImage + KitNET packets/s (feature extraction and model only;
 *     reading and decoding excluded), bounded and exact AfterImage;
 *   - the whole pipeline (read, decode, Kitsune, EWMA volume detector).
 * Wall time is the best of the runs; CPU time (user+sys) is reported too,
 * because a shared machine's wall time includes waiting for a core.
 *
 * Standalone: node dist/bench/ml.js [--exact]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCaptureFile } from '../src/capture/open.js';
import { Decoder } from '../src/decode/decoder.js';
import { Packet } from '../src/decode/packet.js';
import { EventBus } from '../src/events.js';
import { KitsuneStage } from '../src/detect/ml/kitsune-stage.js';
import { DEFAULT_KITNET } from '../src/detect/ml/kitnet.js';
import { scoreCapture, type OfflineResult } from '../src/detect/ml/offline.js';
import { DEFAULT_BOUNDS, EXACT_BOUNDS, type BoundsOptions } from '../src/detect/ml/streams.js';
import { DEFAULT_VOLUME, VolumeStage } from '../src/detect/ml/volume.js';
import { ROOT, runStages, type BenchContext, type BenchModule, type BenchRow } from './harness.js';

export const LAB_PCAP = join(ROOT, '..', 'shared', 'datasets', 'lab', 'lab-mixed.pcap');
/** Kitsune-py on lab-mixed, FE + KitNET, loop only (shared/datasets/kitsune/README.md). */
export const REFERENCE_PPS = 272;

export interface MlFigures {
  packets: number;
  /** AfterImage + KitNET packets/s (wall, best run). */
  modelPps: number;
  afterImagePps: number;
  kitnetPps: number;
  /** AfterImage + KitNET packets per CPU second of the whole run (reading included). */
  cpuPps: number;
  /** AfterImage + KitNET packets per CPU second: the run's CPU time minus that of a read + decode pass. */
  modelCpuPps: number;
}

/** CPU seconds to read and decode lab-mixed alone (subtracted to get the model's own CPU time). */
export async function readDecodeCpuSeconds(): Promise<number> {
  const source = await openCaptureFile(LAB_PCAP);
  const decoder = new Decoder();
  const pkt = new Packet();
  const c0 = process.cpuUsage();
  await source.run((frame) => decoder.decode(frame, pkt));
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

async function timedScore(bounds: BoundsOptions): Promise<{ r: OfflineResult; cpuS: number }> {
  const c0 = process.cpuUsage();
  const r = await scoreCapture(LAB_PCAP, { layout: 'kitsune100', bounds, kitnet: { ...DEFAULT_KITNET } });
  const c = process.cpuUsage(c0);
  return { r, cpuS: (c.user + c.system) / 1e6 };
}

/** AfterImage + KitNET rates on lab-mixed (best of `runs`). */
export async function measureKitsune(bounds: BoundsOptions = DEFAULT_BOUNDS, runs = 3): Promise<MlFigures> {
  let best: MlFigures | null = null;
  let readS = Infinity;
  for (let i = 0; i < runs; i++) {
    readS = Math.min(readS, await readDecodeCpuSeconds());
    const { r, cpuS } = await timedScore(bounds);
    const f: MlFigures = {
      packets: r.packets,
      modelPps: r.packets / ((r.afterImageMs + r.kitnetMs) / 1000),
      afterImagePps: r.packets / (r.afterImageMs / 1000),
      kitnetPps: r.packets / (r.kitnetMs / 1000),
      cpuPps: r.packets / cpuS,
      modelCpuPps: r.packets / Math.max(1e-9, cpuS - readS),
    };
    if (best === null || f.modelPps > best.modelPps) best = f;
  }
  return best!;
}

/** Whole pipeline (read, decode, Kitsune, volume detector) packets/s on lab-mixed. */
export async function measurePipeline(runs = 3): Promise<{ packets: number; seconds: number; cpuSeconds: number }> {
  let best = { packets: 0, seconds: Infinity, cpuSeconds: Infinity };
  for (let i = 0; i < runs; i++) {
    const bus = new EventBus();
    const kitsune = new KitsuneStage({
      bus, log: () => {}, layout: 'kitsune100', bounds: DEFAULT_BOUNDS, ...DEFAULT_KITNET,
      alertP: 1e-4, model: null, saveTo: null, scoresFile: null, suppressSec: 60,
    });
    const volume = new VolumeStage({ bus, ...DEFAULT_VOLUME });
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const packets = await runStages(LAB_PCAP, [kitsune, volume]);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    if (seconds < best.seconds) best = { packets, seconds, cpuSeconds: (c.user + c.system) / 1e6 };
  }
  return best;
}

/** The bench harness entry (bench/registry.ts): rows on lab-mixed.pcap. */
export const mlBench: BenchModule = async (_ctx: BenchContext): Promise<BenchRow[]> => {
  const file = 'datasets/lab/lab-mixed.pcap';
  if (!existsSync(LAB_PCAP)) return [{ file, name: 'kitsune', packets: 0, seconds: 0, note: `${LAB_PCAP} not found` }];
  const k = await measureKitsune();
  const p = await measurePipeline();
  return [
    {
      file, name: 'kitsune AfterImage + KitNET (bounded)', packets: k.packets, seconds: k.packets / k.modelPps,
      note: `${Math.round(k.modelPps / REFERENCE_PPS)}× Kitsune-py's ${REFERENCE_PPS}/s`,
    },
    { file, name: 'read + decode + kitsune + volume', packets: p.packets, seconds: p.seconds, note: `CPU ${p.cpuSeconds.toFixed(2)} s` },
  ];
};

/** ns per Math.exp call in a tight loop: shows how loaded the machine was when the figures were taken. */
export function calibrationNs(): number {
  const a = new Float64Array(1000);
  for (let i = 0; i < a.length; i++) a[i] = (i % 97) / 10 - 5;
  let sink = 0;
  const c0 = process.cpuUsage();
  for (let r = 0; r < 5000; r++) for (let i = 0; i < a.length; i++) sink += Math.exp(a[i]!);
  const c = process.cpuUsage(c0);
  if (sink === 0) process.stdout.write('');
  return ((c.user + c.system) * 1000) / (5000 * a.length);
}

async function main(): Promise<void> {
  if (!existsSync(LAB_PCAP)) {
    process.stderr.write(`bench/ml: ${LAB_PCAP} not found\n`);
    process.exitCode = 1;
    return;
  }
  const exact = process.argv.includes('--exact');
  process.stdout.write(`calibration: Math.exp ${calibrationNs().toFixed(1)} ns per call (CPU time; a few ns on an idle core)\n`);
  const k = await measureKitsune(exact ? EXACT_BOUNDS : DEFAULT_BOUNDS, exact ? 1 : 3);
  const fmt = (v: number): string => Math.round(v).toLocaleString('en-US');
  process.stdout.write(
    `lab-mixed.pcap, ${k.packets} packets, AfterImage ${exact ? 'exact' : 'bounded'}\n` +
      `  AfterImage + KitNET: ${fmt(k.modelPps)} packets/s (${fmt(k.modelPps / REFERENCE_PPS)}× Kitsune-py's ${REFERENCE_PPS}/s)\n` +
      `  AfterImage alone:    ${fmt(k.afterImagePps)} packets/s\n` +
      `  KitNET alone:        ${fmt(k.kitnetPps)} packets/s\n` +
      `  per CPU second of the whole offline run (read + decode included): ${fmt(k.cpuPps)} packets/s\n` +
      `  AfterImage + KitNET per CPU second (run minus a read + decode pass): ${fmt(k.modelCpuPps)} packets/s\n`,
  );
  if (!exact) {
    const p = await measurePipeline(3);
    process.stdout.write(`  pipeline read + decode + kitsune + volume: ${fmt(p.packets / p.seconds)} packets/s wall, ${fmt(p.packets / p.cpuSeconds)} per CPU second\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
