/**
 * AfterImage feature vectors in two layouts:
 *
 * - `kitsune100`: the 100 features of the public Kitsune-py code (default; the
 *   layout the reference data checks). Groups MI (srcMAC+srcIP), HH (srcIP
 *   linked to dstIP), HH_jit (srcIP+dstIP, inter-arrival times), HpHp
 *   (srcIP+srcPort linked to dstIP+dstPort). The columns named `std` hold the
 *   variance, exactly as Kitsune-py's `allstats_1D` does.
 * - `paper115`: the paper's 115 features with N-BaIoT names. Groups MI, H
 *   (srcIP), HH (channel srcIP→dstIP linked to its reverse), HH_jit (channel),
 *   HpHp (socket pair linked to its reverse). `*_variance` is the variance and
 *   `*_std` the standard deviation; 2-D order magnitude, radius, covariance, pcc.
 *
 * Callers resolve keys to stream ids (see frontend-*.ts) and call `compute`.
 */
import { L, LAMBDAS, StreamGroup, type BoundsOptions } from './streams.js';

export type Layout = 'kitsune100' | 'paper115';
export const LAYOUTS: readonly Layout[] = ['kitsune100', 'paper115'];

/** Slots of `AfterImage.ids` (stream ids per group) that a front end fills for each frame. */
export const Slot = {
  MI: 0,
  /** paper115 only: the source host's 1-D stream. */
  H: 1,
  HH_SRC: 2,
  HH_DST: 3,
  JIT: 4,
  HP_SRC: 5,
  HP_DST: 6,
} as const;

function lambdaName(l: number): string {
  return String(l);
}

/** Column names of a layout, in order. */
export function featureNames(layout: Layout): string[] {
  const out: string[] = [];
  if (layout === 'kitsune100') {
    for (const l of LAMBDAS) for (const s of ['weight', 'mean', 'std']) out.push(`MI_dir_${lambdaName(l)}_${s}`);
    for (const l of LAMBDAS)
      for (const s of ['weight_0', 'mean_0', 'std_0', 'radius_0_1', 'magnitude_0_1', 'covariance_0_1', 'pcc_0_1'])
        out.push(`HH_${lambdaName(l)}_${s}`);
    for (const l of LAMBDAS) for (const s of ['weight', 'mean', 'std']) out.push(`HH_jit_${lambdaName(l)}_${s}`);
    for (const l of LAMBDAS)
      for (const s of ['weight_0', 'mean_0', 'std_0', 'radius_0_1', 'magnitude_0_1', 'covariance_0_1', 'pcc_0_1'])
        out.push(`HpHp_${lambdaName(l)}_${s}`);
    return out;
  }
  const oneD = ['weight', 'mean', 'variance'];
  const twoD = ['weight', 'mean', 'std', 'magnitude', 'radius', 'covariance', 'pcc'];
  for (const g of ['MI_dir', 'H']) for (const l of LAMBDAS) for (const s of oneD) out.push(`${g}_L${l}_${s}`);
  for (const l of LAMBDAS) for (const s of twoD) out.push(`HH_L${l}_${s}`);
  for (const l of LAMBDAS) for (const s of oneD) out.push(`HH_jit_L${l}_${s}`);
  for (const l of LAMBDAS) for (const s of twoD) out.push(`HpHp_L${l}_${s}`);
  return out;
}

/** Feature group of each column (for naming the most anomalous groups in alerts). */
export function featureGroups(layout: Layout): string[] {
  return featureNames(layout).map((n) => {
    const m = /^(MI_dir|HH_jit|HpHp|HH|H)_/.exec(n);
    return m ? m[1]! : n;
  });
}

export class AfterImage {
  readonly width: number;
  readonly names: string[];
  /** Per-frame stream ids, filled by the front end (see Slot). */
  readonly ids = new Int32Array(7);
  readonly mi: StreamGroup;
  readonly h: StreamGroup | null;
  readonly hh: StreamGroup;
  readonly jit: StreamGroup;
  readonly hp: StreamGroup;
  /** Link used by the last frame in HH and HpHp (lets tests look at both endpoints' statistics). */
  lastHHLink = -1;
  lastHpLink = -1;

  constructor(
    readonly layout: Layout,
    readonly bounds: BoundsOptions,
  ) {
    this.names = featureNames(layout);
    this.width = this.names.length;
    this.mi = new StreamGroup('MI', false, bounds);
    this.h = layout === 'paper115' ? new StreamGroup('H', false, bounds) : null;
    this.hh = new StreamGroup('HH', false, bounds);
    this.jit = new StreamGroup('HH_jit', true, bounds);
    this.hp = new StreamGroup('HpHp', false, bounds);
  }

  /** Prunes/evicts decayed state (bounded mode) before the front end resolves this frame's ids. */
  maintain(t: number): void {
    if (this.bounds.exact) return;
    this.mi.maintain(t);
    this.h?.maintain(t);
    this.hh.maintain(t);
    this.jit.maintain(t);
    this.hp.maintain(t);
  }

  /** Total streams and links held (for stats and the bounds tests). */
  stateSize(): { streams: number; links: number } {
    const gs = [this.mi, this.h, this.hh, this.jit, this.hp];
    let streams = 0;
    let links = 0;
    for (const g of gs) {
      if (g === null) continue;
      streams += g.streams;
      links += g.links;
    }
    return { streams, links };
  }

  /** Updates every group with frame length `len` at time `t` and writes the feature vector into `out`. */
  compute(len: number, t: number, out: Float64Array): void {
    // The groups take the time from memory: oneD/twoD and the groups' methods are not always inlined, and double arguments are boxed.
    this.mi.setTime(t);
    this.h?.setTime(t);
    this.hh.setTime(t);
    this.jit.setTime(t);
    this.hp.setTime(t);
    const ids = this.ids;
    const paper = this.layout === 'paper115';
    let o = 0;
    o = this.oneD(this.mi, ids[Slot.MI]!, len, out, o, false);
    if (this.h !== null) o = this.oneD(this.h, ids[Slot.H]!, len, out, o, false);
    o = this.twoD(this.hh, ids[Slot.HH_SRC]!, ids[Slot.HH_DST]!, len, out, o, paper);
    this.lastHHLink = this.lastLink;
    o = this.oneD(this.jit, ids[Slot.JIT]!, 0, out, o, false);
    this.twoD(this.hp, ids[Slot.HP_SRC]!, ids[Slot.HP_DST]!, len, out, o, paper);
    this.lastHpLink = this.lastLink;
  }

  private lastLink = -1;

  private oneD(g: StreamGroup, s: number, v: number, out: Float64Array, o: number, std: boolean): number {
    g.insert(s, v);
    const base = s * L;
    for (let i = 0; i < L; i++) {
      out[o++] = g.w[base + i]!;
      out[o++] = g.mean[base + i]!;
      out[o++] = std ? Math.sqrt(g.vari[base + i]!) : g.vari[base + i]!;
    }
    return o;
  }

  private twoD(g: StreamGroup, s: number, d: number, v: number, out: Float64Array, o: number, paper: boolean): number {
    g.insert(s, v);
    const base = s * L;
    // 1-D outputs are taken before the link's second update (as the reference does).
    for (let i = 0; i < L; i++) {
      const k = o + i * 7;
      out[k] = g.w[base + i]!;
      out[k + 1] = g.mean[base + i]!;
      out[k + 2] = paper ? Math.sqrt(g.vari[base + i]!) : g.vari[base + i]!;
    }
    const l = g.linkFor(s, d);
    g.updateLink(l, s, v);
    this.lastLink = l;
    const a = g.linkA(l) * L;
    const b = g.linkB(l) * L;
    const lb = l * L;
    for (let i = 0; i < L; i++) {
      const k = o + i * 7;
      const va = g.vari[a + i]!;
      const vb = g.vari[b + i]!;
      const ma = g.mean[a + i]!;
      const mb = g.mean[b + i]!;
      const radius = Math.sqrt(va * va + vb * vb);
      const magnitude = Math.sqrt(ma * ma + mb * mb);
      const cov = g.cf3[lb + i]! / g.w3[lb + i]!;
      const ss = Math.sqrt(va) * Math.sqrt(vb);
      const pcc = ss !== 0 ? cov / ss : 0;
      if (paper) {
        out[k + 3] = magnitude;
        out[k + 4] = radius;
      } else {
        out[k + 3] = radius;
        out[k + 4] = magnitude;
      }
      out[k + 5] = cov;
      out[k + 6] = pcc;
    }
    return o + 7 * L;
  }
}
