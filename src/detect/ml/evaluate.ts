/**
 * Detection-quality figures with the same rules as the Kitsune reference's
 * ks_eval.py: ROC AUC as the Mann-Whitney U statistic with average ranks for
 * ties, and TPR at a target FPR with the threshold taken from the benign scores
 * sorted descending at index floor(FPR · n_benign), positives strictly above.
 */
export interface RocPoint {
  fprTarget: number;
  threshold: number;
  fpr: number;
  tpr: number;
}

export function rocAuc(pos: ArrayLike<number>, neg: ArrayLike<number>): number {
  const n = pos.length + neg.length;
  const idx = new Int32Array(n);
  const val = new Float64Array(n);
  for (let i = 0; i < pos.length; i++) val[i] = pos[i]!;
  for (let i = 0; i < neg.length; i++) val[pos.length + i] = neg[i]!;
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => val[a]! - val[b]!);
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && val[idx[j + 1]!] === val[idx[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (idx[k]! < pos.length) rankSumPos += avg;
    i = j + 1;
  }
  const np = pos.length;
  return (rankSumPos - (np * (np + 1)) / 2) / (np * neg.length);
}

export function tprAtFpr(pos: ArrayLike<number>, neg: ArrayLike<number>, fprTarget: number): RocPoint {
  const sorted = Float64Array.from(neg).sort().reverse();
  const k = Math.floor(fprTarget * sorted.length);
  const thr = sorted[Math.min(k, sorted.length - 1)]!;
  let fp = 0;
  for (let i = 0; i < neg.length; i++) if (neg[i]! > thr) fp++;
  let tp = 0;
  for (let i = 0; i < pos.length; i++) if (pos[i]! > thr) tp++;
  return { fprTarget, threshold: thr, fpr: fp / neg.length, tpr: tp / pos.length };
}

/** Splits scores of frames ≥ firstFrame into attack/benign by per-frame labels (index = frame number). */
export function splitByLabel(scores: ArrayLike<number>, labels: Uint8Array, firstFrame: number): { pos: number[]; neg: number[] } {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let f = firstFrame; f < scores.length && f < labels.length; f++) {
    if (labels[f] === 1) pos.push(scores[f]!);
    else neg.push(scores[f]!);
  }
  return { pos, neg };
}
