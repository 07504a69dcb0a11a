/**
 * The logistic sigmoid 1/(1 + e^(−v)) with e^(−v) evaluated inline by a
 * table-driven exp (Tang's method), instead of a call to Math.exp.
 *
 * KitNET evaluates about 200 sigmoids per packet; Math.exp is a call into C++
 * that spills every live register, and fdlibm's own algorithm ends in a
 * division. Here x = (64·k + j)·ln2/64 + r with |r| ≤ ln2/128, so
 * e^x = 2^k · 2^(j/64) · e^r, where 2^(j/64) comes from a table (correctly
 * rounded) and e^r − 1 from its degree-5 Taylor polynomial (truncation error
 * below r⁶/720 < 4e-17). The result is within a few ulps of Math.exp (the
 * sigmoid test bounds the relative error), far inside what the reference
 * comparison needs: Kitsune-py's numpy exp and BLAS summation order differ
 * from any port's in the last bits anyway, and the check is 1e-6
 * relative on the scores. Arguments with |x| ≥ 700 (overflow, underflow,
 * subnormal results) and NaN go to Math.exp itself.
 */

/** Table steps per octave (exported with the other constants for the WebAssembly kernels, which must match bit for bit). */
export const N = 64;
export const INV_STEP = N / Math.LN2;
/** ln2/64 split so that k·STEP_HI is exact for |k| < 2^21 (fdlibm's LN2_HI has 21 trailing zero bits). */
export const STEP_HI = 6.93147180369123816490e-1 / N;
export const STEP_LO = 1.90821492927058770002e-10 / N;
/**
 * Adding and subtracting 1.5·2^52 rounds a double of magnitude < 2^51 to an
 * integer (ties to even) without a branch on its sign: activations have random
 * signs, so a sign-dependent ±0.5 would be a mispredicted branch per sigmoid.
 */
export const ROUND_SHIFT = 1.5 * 2 ** 52;
/** Inline range: |k| ≤ 1010, so 2^k and its product with the table entry are normal doubles. */
export const INLINE_LIMIT = 700;

/** 2^(j/64) for j in [0, 64), correctly rounded (Math.pow(2, j/64) is within 1 ulp; Math.exp(j·ln2/64) no better). */
export const TABLE = new Float64Array(N);
for (let j = 0; j < N; j++) TABLE[j] = 2 ** (j / N);
/** 2^k for k in [−1023, 1023] at index k + 1023. */
const POW2 = new Float64Array(2047);
for (let k = -1023; k <= 1023; k++) POW2[k + 1023] = 2 ** k;

/**
 * v[i] = 1/(1 + e^(−(v[i] + bias[i]))) for i < n. The loop lives here, so the
 * exp code is compiled once, inline, and no double crosses a call boundary (V8
 * boxes doubles returned from calls it does not inline).
 */
export function sigmoidBiased(v: Float64Array, bias: Float64Array, n: number): void {
  sigmoidBiasedAt(v, 0, bias, 0, n);
}

/**
 * sigmoidBiased on slices: v[vo + i] = 1/(1 + e^(−(v[vo + i] + bias[bo + i]))) for i < n
 * (the fused autoencoder kernels keep all of a model's state in one array).
 */
export function sigmoidBiasedAt(v: Float64Array, vo: number, bias: Float64Array, bo: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = -(v[vo + i]! + bias[bo + i]!);
    let ex: number;
    if (x < INLINE_LIMIT && x > -INLINE_LIMIT) {
      // m = 64·k + j = x·64/ln2 rounded to an integer (|m| < 2^17, so `| 0` converts it exactly).
      const m = (x * INV_STEP + ROUND_SHIFT - ROUND_SHIFT) | 0;
      const r = x - m * STEP_HI - m * STEP_LO;
      const p = r + r * r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120))));
      const scale = TABLE[m & (N - 1)]! * POW2[(m >> 6) + 1023]!;
      ex = scale + scale * p;
    } else {
      ex = Math.exp(x);
    }
    v[vo + i] = 1 / (1 + ex);
  }
}
