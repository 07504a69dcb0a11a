/**
 * Helpers for the exactness tests: the Kitsune-py reference outputs in
 * ../shared/datasets/kitsune/ and the tolerance rules of its README.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DATASETS } from '../helpers/env.js';
import { openCaptureFile } from '../../src/capture/open.js';
import { Decoder } from '../../src/decode/decoder.js';
import { Packet } from '../../src/decode/packet.js';
import { AfterImage, featureNames } from '../../src/detect/ml/afterimage.js';
import { PacketFrontEnd } from '../../src/detect/ml/frontend-packet.js';
import { L } from '../../src/detect/ml/streams.js';
import { EXACT_BOUNDS } from '../../src/detect/ml/streams.js';
import { TsharkFrontEnd, newReferenceFields, parseTsharkRow } from '../../src/detect/ml/frontend-tshark.js';
import type { StreamGroup } from '../../src/detect/ml/streams.js';

export const KITSUNE = join(DATASETS, 'kitsune');

export function gunzipLines(file: string): string[] {
  const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Tolerances (README "Suggested check"): relative for weight/mean/magnitude, scaled for the cancelling ones. */
export const TOL = {
  rel: 1e-12,
  /** |Δvar| ≤ varScale · (mean² + var) of the same stream and λ. */
  varScale: 1e-12,
  /** |Δradius| ≤ scale · (mean_a² + var_a + mean_b² + var_b). */
  radiusScale: 1e-12,
  /** |Δcov| ≤ scale · sqrt((mean_a² + var_a)(mean_b² + var_b)). */
  covScale: 1e-9,
  /** pcc, only where both stds exceed 1e-6·|mean|: |Δpcc| ≤ this plus the error the std bounds allow. */
  pccAbs: 1e-6,
};

export interface CompareStats {
  frames: number;
  values: number;
  bitExact: number;
  /** Values compared under a tolerance (all but ill-conditioned pcc). */
  checked: number;
  /** pcc values skipped as ill-conditioned. */
  skippedPcc: number;
  failures: number;
  firstFailures: string[];
  /** Largest error as a fraction of its tolerance, per class. */
  worst: Record<string, number>;
}

function newStats(): CompareStats {
  return {
    frames: 0, values: 0, bitExact: 0, checked: 0, skippedPcc: 0, failures: 0, firstFailures: [],
    worst: { rel: 0, var: 0, radius: 0, cov: 0, pcc: 0 },
  };
}

/** Compares our vector `out` of frame i with the reference row. */
function compareRow(st: CompareStats, ai: AfterImage, names: string[], i: number, row: string, out: Float64Array): void {
  const ref = row.split(',');
  if (Number(ref[0]) !== i) throw new Error(`features row ${i} is frame ${ref[0]}`);
  st.frames++;
  for (let j = 0; j < 100; j++) {
    const r = Number(ref[j + 1]);
    const o = out[j]!;
    st.values++;
    if (r === o) st.bitExact++;
    const verdict = judge(ai, j, r, o, ref);
    if (verdict === null) {
      st.skippedPcc++;
      continue;
    }
    st.checked++;
    const [cls, ratio] = verdict;
    if (ratio > st.worst[cls]!) st.worst[cls] = ratio;
    if (!(ratio <= 1)) {
      st.failures++;
      if (st.firstFailures.length < 10) st.firstFailures.push(`frame ${i} ${names[j]}: ref ${r} ours ${o} (${cls} ${ratio.toExponential(2)}× tol)`);
    }
  }
}

function referenceFeatures(name: string): { feats: string[]; names: string[] } {
  const feats = gunzipLines(join(KITSUNE, `${name}.features.csv.gz`));
  const names = feats[0]!.split(',').slice(1);
  if (names.join(',') !== featureNames('kitsune100').join(',')) throw new Error('feature names differ from the reference header');
  return { feats, names };
}

/**
 * Runs our AfterImage (exact mode, kitsune100) on the reference's own tshark
 * TSV and compares every value of every `stride`-th frame (all frames are
 * processed; only the comparison is strided).
 */
export function compareWithReference(name: string, stride = 1): CompareStats {
  const tsv = gunzipLines(join(KITSUNE, `${name}.tshark.tsv.gz`));
  const { feats, names } = referenceFeatures(name);
  const ai = new AfterImage('kitsune100', EXACT_BOUNDS);
  const fe = new TsharkFrontEnd(ai);
  const f = newReferenceFields();
  const out = new Float64Array(100);
  const st = newStats();
  for (let i = 1; i < feats.length; i++) {
    if (parseTsharkRow(tsv[i]!, f) === null) throw new Error(`${name}: bad tshark row ${i}`);
    fe.process(f, out);
    if ((i - 1) % stride === 0) compareRow(st, ai, names, i, feats[i]!, out);
  }
  return st;
}

/** The same comparison, with features computed from the capture by our reader, decoder and Packet front end. */
export async function comparePacketPath(name: string, pcap: string, stride = 1): Promise<CompareStats> {
  const { feats, names } = referenceFeatures(name);
  const ai = new AfterImage('kitsune100', EXACT_BOUNDS);
  const fe = new PacketFrontEnd(ai);
  const out = new Float64Array(100);
  const st = newStats();
  const source = await openCaptureFile(pcap);
  const decoder = new Decoder();
  const pkt = new Packet();
  const last = feats.length - 1;
  await source.run((frame) => {
    if (frame.n > last) {
      source.stop();
      return;
    }
    decoder.decode(frame, pkt);
    fe.process(pkt, out);
    if ((frame.n - 1) % stride === 0) compareRow(st, ai, names, frame.n, feats[frame.n]!, out);
  });
  return st;
}

/** Returns [tolerance class, |error| / tolerance], or null for an ill-conditioned pcc. */
function judge(ai: AfterImage, j: number, r: number, o: number, ref: string[]): [string, number] | null {
  const d = Math.abs(r - o);
  const rel = (): [string, number] => ['rel', d === 0 ? 0 : d / (TOL.rel * Math.abs(r))];
  const varOf = (meanCol: number): [string, number] => {
    const m = Number(ref[meanCol + 1]);
    const v = Number(ref[meanCol + 2]);
    const scale = TOL.varScale * (m * m + v);
    return ['var', d === 0 ? 0 : d / scale];
  };
  if (j < 15 || (j >= 50 && j < 65)) {
    const k = (j < 15 ? j : j - 50) % 3;
    if (k < 2) return rel();
    return varOf(j - 1);
  }
  const base = j < 50 ? 15 : 65;
  const li = Math.floor((j - base) / 7);
  const k = (j - base) % 7;
  if (k < 2 || k === 4) return rel();
  if (k === 2) return varOf(j - 1);
  const g: StreamGroup = j < 50 ? ai.hh : ai.hp;
  const l = j < 50 ? ai.lastHHLink : ai.lastHpLink;
  const a = g.linkA(l) * L + li;
  const b = g.linkB(l) * L + li;
  const ma = g.mean[a]!, va = g.vari[a]!, mb = g.mean[b]!, vb = g.vari[b]!;
  if (k === 3) return ['radius', d === 0 ? 0 : d / (TOL.radiusScale * (ma * ma + va + mb * mb + vb))];
  if (k === 5) return ['cov', d === 0 ? 0 : d / (TOL.covScale * Math.sqrt((ma * ma + va) * (mb * mb + vb)))];
  const ok = Math.sqrt(va) > 1e-6 * Math.abs(ma) && Math.sqrt(vb) > 1e-6 * Math.abs(mb);
  if (!ok) return null;
  // The std error bound follows from the variance bound: |Δs|/s ≤ ½·varScale·(m² + v)/v per side.
  const cond = TOL.varScale * ((ma * ma + va) / va + (mb * mb + vb) / vb);
  return ['pcc', d / (TOL.pccAbs + cond * (1 + Math.abs(r)))];
}
