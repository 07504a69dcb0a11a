/**
 * The logistic sigmoid 1/(1 + e^(−v)), bit-identical to computing it with
 * `Math.exp`, but with e^(−v) evaluated inline.
 *
 * V8's Math.exp is fdlibm's exp (argument reduction by k·ln2 split into a high
 * and a low part, a degree-5 rational remainder, scaling by 2^k) reached
 * through a call into C++ that also spills every live register; KitNET
 * evaluates about 200 sigmoids per packet. `sigmoidBiased` performs the same
 * IEEE-754 operations in the same order (JavaScript doubles round like the C
 * code's on x86-64: no FMA, no extended precision), so every result is the same
 * double and KitNET's scores do not change. Arguments that fdlibm treats
 * specially (|x| ≥ 700 with its overflow, underflow and subnormal scaling,
 * |x| < 2^−28, x = 1, and a narrow band near ½·ln2) go to Math.exp itself.
 * The equivalence is checked against Math.exp in test/ml/sigmoid.test.ts.
 */

const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.44269504088896338700e0;
const P1 = 1.66666666666666019037e-1;
const P2 = -2.77777777770155933842e-3;
const P3 = 6.61375632143793436117e-5;
const P4 = -1.65339022054652515390e-6;
const P5 = 4.13813679705723846039e-8;

/** The double whose high word is `hi` and low word 0 (fdlibm compares high words; we compare |x| with these). */
function fromHighWord(hi: number): number {
  const b = new DataView(new ArrayBuffer(8));
  b.setUint32(0, hi);
  return b.getFloat64(0);
}
/** fdlibm: e^x = 1 + x below 2^−28 (high word 0x3E300000). */
const TINY = 2 ** -28;
/**
 * fdlibm takes k = 0 while the high word of |x| is ≤ 0x3FD62E42, which reaches
 * slightly past ½·ln2 (where rounding x/ln2 already gives |k| = 1): that band
 * goes to Math.exp.
 */
const BAND_LO = fromHighWord(0x3fd62e42);
const BAND_HI = fromHighWord(0x3fd62e43);
/** Inline range: keeps k within ±1010, away from fdlibm's k ≥ 1024 and k < −1021 scalings. */
const INLINE_LIMIT = 700;

/** 2^k for k in [−1023, 1023] at index k + 1023 (exact powers of two, as fdlibm's INSERT_WORDS builds them). */
const POW2 = new Float64Array(2047);
for (let k = -1023; k <= 1023; k++) POW2[k + 1023] = 2 ** k;

/**
 * v[i] = 1/(1 + e^(−(v[i] + bias[i]))) for i < n, each bit-identical to
 * 1 / (1 + Math.exp(-(v[i] + bias[i]))). The loop lives here, so the exp code is
 * compiled once, inline, and no double crosses a call boundary (V8 boxes
 * doubles returned from calls it does not inline).
 */
export function sigmoidBiased(v: Float64Array, bias: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = -(v[i]! + bias[i]!);
    const ax = x < 0 ? -x : x;
    let ex: number;
    if (ax < INLINE_LIMIT && ax >= TINY && x !== 1 && !(ax >= BAND_LO && ax < BAND_HI)) {
      // fdlibm's reduction x = k·ln2 + r (r = hi − lo). Its special cases for
      // |x| < ½·ln2 (k = 0) and |x| < 1.5·ln2 (k = ±1) compute exactly what this
      // general form gives for those k, so they need no branch of their own.
      const k = (INV_LN2 * x + (x < 0 ? -0.5 : 0.5)) | 0;
      const hi = x - k * LN2_HI;
      const lo = k * LN2_LO;
      const r = hi - lo;
      const t = r * r;
      const c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
      ex = (1 - ((lo - (r * c) / (2.0 - c)) - hi)) * POW2[k + 1023]!;
    } else {
      // Overflow/underflow ranges, |x| < 2^−28, the k = 0 band and fdlibm's exact e^1: rare.
      ex = Math.exp(x);
    }
    v[i] = 1 / (1 + ex);
  }
}
