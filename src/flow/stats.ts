/**
 * Streaming statistics over a slab (layout.ts, S.*): Welford's online
 * algorithm for mean and variance, so no per-packet values are stored.
 */
import { S } from './layout.js';

export function statReset(a: Float64Array, o: number): void {
  a[o + S.N] = 0;
  a[o + S.Mean] = 0;
  a[o + S.M2] = 0;
  a[o + S.Min] = 0;
  a[o + S.Max] = 0;
}

export function statAdd(a: Float64Array, o: number, x: number): void {
  const n = a[o + S.N]! + 1;
  a[o + S.N] = n;
  const mean = a[o + S.Mean]!;
  const d = x - mean;
  const m = mean + d / n;
  a[o + S.Mean] = m;
  a[o + S.M2] = a[o + S.M2]! + d * (x - m);
  if (n === 1) {
    a[o + S.Min] = x;
    a[o + S.Max] = x;
  } else {
    if (x < a[o + S.Min]!) a[o + S.Min] = x;
    if (x > a[o + S.Max]!) a[o + S.Max] = x;
  }
}

export function statN(a: Float64Array, o: number): number {
  return a[o + S.N]!;
}
export function statMean(a: Float64Array, o: number): number {
  return a[o + S.N]! > 0 ? a[o + S.Mean]! : 0;
}
export function statMin(a: Float64Array, o: number): number {
  return a[o + S.N]! > 0 ? a[o + S.Min]! : 0;
}
export function statMax(a: Float64Array, o: number): number {
  return a[o + S.N]! > 0 ? a[o + S.Max]! : 0;
}
/**
 * Sample variance (n - 1 denominator), as Apache Commons Math's
 * SummaryStatistics that CICFlowMeter uses; 0 for fewer than two values.
 */
export function statVar(a: Float64Array, o: number): number {
  const n = a[o + S.N]!;
  if (n < 2) return 0;
  const v = a[o + S.M2]! / (n - 1);
  return v > 0 ? v : 0;
}
export function statStd(a: Float64Array, o: number): number {
  return Math.sqrt(statVar(a, o));
}

/**
 * Sample variance of the union of two Welford states (Chan, Golub and
 * LeVeque's parallel combination), so the all-packets statistic needs no
 * accumulator of its own.
 */
export function pooledVar(a: Float64Array, oa: number, b: Float64Array, ob: number): number {
  const na = a[oa + S.N]!;
  const nb = b[ob + S.N]!;
  const n = na + nb;
  if (n < 2) return 0;
  const d = b[ob + S.Mean]! - a[oa + S.Mean]!;
  const m2 = a[oa + S.M2]! + b[ob + S.M2]! + (na > 0 && nb > 0 ? (d * d * na * nb) / n : 0);
  const v = m2 / (n - 1);
  return v > 0 ? v : 0;
}
