/**
 * Alert threshold from training scores, as Kitsune's example does it: fit a
 * log-normal (mean and standard deviation of log-scores) and take the score
 * whose upper-tail probability is `p`.
 */
export interface LogNormalThreshold {
  mu: number;
  sigma: number;
  /** Upper-tail probability the threshold was chosen for. */
  p: number;
  value: number;
}

/** Inverse of the standard normal CDF (P. J. Acklam's rational approximation, |rel. error| < 1.2e-9). */
export function normalQuantile(q: number): number {
  if (!(q > 0 && q < 1)) throw new RangeError(`normal quantile needs 0 < q < 1 (got ${q})`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (q < lo) {
    const r = Math.sqrt(-2 * Math.log(q));
    return (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) / ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1);
  }
  if (q > 1 - lo) return -normalQuantile(1 - q);
  const s = q - 0.5;
  const r = s * s;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * s) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** Fits a log-normal to the positive scores and returns the (1 − p) quantile. */
export function logNormalThreshold(scores: ArrayLike<number>, p: number): LogNormalThreshold {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (s > 0 && Number.isFinite(s)) {
      sum += Math.log(s);
      n++;
    }
  }
  if (n < 2) throw new Error(`cannot fit a threshold: only ${n} positive training scores`);
  const mu = sum / n;
  let ss = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (s > 0 && Number.isFinite(s)) ss += (Math.log(s) - mu) ** 2;
  }
  const sigma = Math.sqrt(ss / n);
  return { mu, sigma, p, value: Math.exp(mu + sigma * normalQuantile(1 - p)) };
}
