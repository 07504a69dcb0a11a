/**
 * One KitNET frame's autoencoder passes (every ensemble member, then the
 * output layer) as a WebAssembly module generated per model, with 2-lane f64
 * SIMD. The sizes, feature indexes, state addresses and learning rates are
 * constants in the code, which is straight-line as in ae-kernel.ts; all state
 * sits in one WebAssembly memory, and each Autoencoder's `state` is a view of
 * its slice, so saving, loading and the alert evidence read it as before.
 *
 * Bit-identical to the JavaScript kernels (ae-kernel.ts fusedSource and
 * sigmoid.ts), operation for operation:
 * - column sums (hidden y_j = Σₖ xₖ·W[k,j], h_j = Σₖ eₖ·W[k,j]) take hidden
 *   units two at a time: lane 0 is column j, lane 1 column j+1, and each is
 *   the even-k chain plus the odd-k chain, as the scalar code sums them;
 * - row sums (z_k = Σⱼ yⱼ·W[k,j]) load W[k, j..j+1]: lane 0 accumulates the
 *   even-j terms, lane 1 the odd-j ones, exactly the scalar code's two
 *   accumulators; an odd last term is added to lane 0's sum in scalar;
 * - the sigmoid is sigmoid.ts's table-driven exp on two lanes: 2^k is built
 *   from its exponent bits (exact, as the POW2 table entry) and 2^(j/64) is
 *   loaded from the same table; lanes outside ±700 call Math.exp, as there;
 * - min-max normalisation takes visible units two at a time; widening is a
 *   bitselect on v > hi (v < lo), the same choice as `if (v > hi) hi = v`;
 * - no fused multiply-add exists in WebAssembly SIMD, so every product and
 *   sum is rounded as in JavaScript.
 * With an odd count, the last pair's second lane reads the next values in
 * memory: it is computed and never stored or used.
 *
 * The JavaScript kernels stay the definition (the test checks both bit for
 * bit) and serve a standalone Autoencoder.
 */
import { stateLayout, NORM_EPS, type StateLayout } from './ae-kernel.js';
import { INLINE_LIMIT, INV_STEP, N as TABLE_SIZE, ROUND_SHIFT, STEP_HI, STEP_LO, TABLE } from './sigmoid.js';
import { encodeModule, F64, FunctionBody, Op, Simd, V128, type ModuleSpec } from './wasm-emit.js';

/** One autoencoder of the ensemble as the generated code sees it. */
export interface MemberSpec {
  nv: number;
  nh: number;
  lr: number;
  /** Input index of each visible unit (into the features, or into the members' RMSEs for the output layer). */
  idx: Int32Array;
}

const PAGE = 65536;
/** Bytes after the last state: a partial pair's unused lane may read up to 16 bytes past it. */
const TAIL = 64;

export class WasmEnsemble {
  /** Input features of the frame (written by the caller before train/execute). */
  readonly x: Float64Array;
  /** The members' RMSEs of the last frame. */
  readonly s1: Float64Array;
  /** score[0] = the output layer's RMSE of the last frame. */
  readonly score: Float64Array;
  /** Each autoencoder's state (members, then the output layer), laid out by stateLayout. */
  readonly states: Float64Array[];
  /** Trains every member on x, then the output layer on s1. */
  readonly train: () => void;
  /** Scores x: s1 and score[0]. */
  readonly execute: () => void;

  constructor(nFeatures: number, members: readonly MemberSpec[], output: Omit<MemberSpec, 'idx'>) {
    const M = members.length;
    if (output.nv !== M) throw new Error(`WasmEnsemble: output layer has ${output.nv} inputs for ${M} members`);
    const xAddr = 0;
    const s1Addr = xAddr + 8 * nFeatures;
    const scoreAddr = s1Addr + 8 * M;
    const tableAddr = align16(scoreAddr + 8);
    let at = tableAddr + 8 * TABLE_SIZE;
    const all: MemberSpec[] = [...members, { ...output, idx: Int32Array.from({ length: M }, (_, k) => k) }];
    const bases: number[] = [];
    for (const m of all) {
      if (!Number.isInteger(m.nv) || !Number.isInteger(m.nh) || m.nv < 1 || m.nh < 1) throw new Error(`autoencoder size ${m.nv}×${m.nh}`);
      if (m.idx.length !== m.nv) throw new Error(`WasmEnsemble: ${m.idx.length} input indexes for ${m.nv} visible units`);
      for (const i of m.idx) if (!(i >= 0 && i < (m === all[M] ? M : nFeatures))) throw new Error(`WasmEnsemble: input index ${i} out of range`);
      at = align16(at);
      bases.push(at);
      at += 8 * stateLayout(m.nv, m.nh).size;
    }
    const pages = Math.ceil((at + TAIL) / PAGE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const buf = memory.buffer;
    this.x = new Float64Array(buf, xAddr, nFeatures);
    this.s1 = new Float64Array(buf, s1Addr, M);
    this.score = new Float64Array(buf, scoreAddr, 1);
    new Float64Array(buf, tableAddr, TABLE_SIZE).set(TABLE);
    this.states = all.map((m, a) => new Float64Array(buf, bases[a]!, stateLayout(m.nv, m.nh).size));

    const spec: ModuleSpec = {
      types: [{ params: [], results: [] }, { params: [F64], results: [F64] }],
      importFuncs: [{ name: 'exp', type: 1 }],
      memoryPages: pages,
      funcs: [],
    };
    const EXP = 0;
    const firstKernel = spec.importFuncs.length;
    for (const train of [true, false]) {
      all.forEach((m, a) => {
        const inAddr = a < M ? xAddr : s1Addr;
        const outAddr = a < M ? s1Addr + 8 * a : scoreAddr;
        spec.funcs.push({ type: 0, body: kernel(m, bases[a]!, inAddr, outAddr, tableAddr, EXP, train) });
      });
    }
    for (const [train, name] of [[true, 'train'], [false, 'execute']] as const) {
      const body = new FunctionBody(0);
      const first = firstKernel + (train ? 0 : all.length);
      for (let a = 0; a < all.length; a++) body.call(first + a);
      spec.funcs.push({ type: 0, body, export: name });
    }
    const instance = new WebAssembly.Instance(new WebAssembly.Module(encodeModule(spec)), { env: { memory, exp: Math.exp } });
    this.train = instance.exports['train'] as () => void;
    this.execute = instance.exports['execute'] as () => void;
  }
}

function align16(n: number): number {
  return (n + 15) & ~15;
}

/** Locals of the sigmoid (see emitSigmoid). */
interface SigmoidLocals {
  vx: number;
  vt: number;
  vr: number;
  vc: number;
  vp: number;
  vm: number;
  vs: number;
  vex: number;
  fx: number;
  /** Vector constants, set once at the function's start (a v128.const is 18 bytes of code per use, a local.get 2). */
  k: VectorConstants;
}

interface VectorConstants {
  invStep: number;
  shift: number;
  stepHi: number;
  stepLo: number;
  c120: number;
  c24: number;
  c6: number;
  half: number;
  one: number;
  limit: number;
  negLimit: number;
  bias1023: number;
  lr: number;
  eps: number;
}

function vectorConstants(b: FunctionBody, lr: number): VectorConstants {
  const k = (a: number): number => {
    const i = b.local(V128);
    b.f64x2(a).set(i);
    return i;
  };
  const bias1023 = b.local(V128);
  b.i64x2(1023).set(bias1023);
  return {
    invStep: k(INV_STEP), shift: k(ROUND_SHIFT), stepHi: k(STEP_HI), stepLo: k(STEP_LO), c120: k(1 / 120), c24: k(1 / 24), c6: k(1 / 6),
    half: k(0.5), one: k(1), limit: k(INLINE_LIMIT), negLimit: k(-INLINE_LIMIT), bias1023, lr: k(lr), eps: k(NORM_EPS),
  };
}

/**
 * Leaves 1/(1 + e^(vx)) on the stack for both lanes of local vx (which holds
 * −(v + bias)): sigmoid.ts's sigmoidBiasedAt, lane by lane.
 */
function emitSigmoid(b: FunctionBody, l: SigmoidLocals, tableAddr: number, exp: number): void {
  // m = x·64/ln2 rounded (as a double, exact integer), r = x − m·STEP_HI − m·STEP_LO.
  const k = l.k;
  b.get(l.vx).get(k.invStep).simd(Simd.f64x2Mul).get(k.shift).simd(Simd.f64x2Add).get(k.shift).simd(Simd.f64x2Sub).set(l.vt);
  b.get(l.vx).get(l.vt).get(k.stepHi).simd(Simd.f64x2Mul).simd(Simd.f64x2Sub).get(l.vt).get(k.stepLo).simd(Simd.f64x2Mul).simd(Simd.f64x2Sub).set(l.vr);
  // p = r + r·r·(0.5 + r·(1/6 + r·(1/24 + r·(1/120)))).
  b.get(l.vr).get(k.c120).simd(Simd.f64x2Mul).get(k.c24).simd(Simd.f64x2Add);
  b.get(l.vr).simd(Simd.f64x2Mul).get(k.c6).simd(Simd.f64x2Add);
  b.get(l.vr).simd(Simd.f64x2Mul).get(k.half).simd(Simd.f64x2Add).set(l.vc);
  b.get(l.vr).get(l.vr).get(l.vr).simd(Simd.f64x2Mul).get(l.vc).simd(Simd.f64x2Mul).simd(Simd.f64x2Add).set(l.vp);
  // scale = TABLE[m & 63] · 2^(m >> 6).
  b.get(l.vt).simd(Simd.i32x4TruncSatF64x2SZero).set(l.vm);
  for (const lane of [0, 1]) {
    b.get(l.vm).lane(Simd.i32x4ExtractLane, lane).i32(TABLE_SIZE - 1).op(Op.i32And).i32(3).op(Op.i32Shl).loadF64At(tableAddr);
    if (lane === 0) b.simd(Simd.f64x2Splat);
    else b.lane(Simd.f64x2ReplaceLane, 1);
  }
  b.get(l.vm).simd(Simd.i64x2ExtendLowI32x4S).i32(6).simd(Simd.i64x2ShrS).get(k.bias1023).simd(Simd.i64x2Add).i32(52).simd(Simd.i64x2Shl);
  b.simd(Simd.f64x2Mul).set(l.vs);
  b.get(l.vs).get(l.vs).get(l.vp).simd(Simd.f64x2Mul).simd(Simd.f64x2Add).set(l.vex);
  // Lanes outside the inline range take Math.exp.
  b.get(l.vx).get(k.limit).simd(Simd.f64x2Lt).get(l.vx).get(k.negLimit).simd(Simd.f64x2Gt).simd(Simd.and);
  b.simd(Simd.i64x2AllTrue).op(Op.i32Eqz).if();
  for (const lane of [0, 1]) {
    b.get(l.vx).lane(Simd.f64x2ExtractLane, lane).set(l.fx);
    b.get(l.fx).f64(INLINE_LIMIT).op(Op.f64Lt).get(l.fx).f64(-INLINE_LIMIT).op(Op.f64Gt).op(Op.i32And).op(Op.i32Eqz).if();
    b.get(l.vex).get(l.fx).call(exp).lane(Simd.f64x2ReplaceLane, lane).set(l.vex);
    b.end();
  }
  b.end();
  b.get(k.one).get(k.one).get(l.vex).simd(Simd.f64x2Add).simd(Simd.f64x2Div);
}

/** Emits the left-to-right sum of n terms (each pushed by term(i)) with `add`. */
function chain(terms: number[], term: (i: number) => void, add: () => void): void {
  terms.forEach((t, i) => {
    term(t);
    if (i > 0) add();
  });
}

/** A member's train (normalise with widening, forward, SGD step) or execute (normalise, forward) function. */
function kernel(m: MemberSpec, base: number, inAddr: number, outAddr: number, tableAddr: number, exp: number, train: boolean): FunctionBody {
  const { nv, nh, lr } = m;
  const L: StateLayout = stateLayout(nv, nh);
  const at = (o: number): number => base + 8 * o;
  const W = (k: number, j: number): number => at(L.w + k * nh + j);
  const P = Math.ceil(nh / 2);
  const full = (p: number): boolean => 2 * p + 1 < nh;
  const b = new FunctionBody(0);
  const x = Array.from({ length: nv }, () => b.local(F64));
  const e = Array.from({ length: nv }, () => b.local(F64));
  const nv2 = b.local(V128);
  const nlo = b.local(V128);
  const nhi = b.local(V128);
  const se = b.local(F64);
  const lx = b.local(F64);
  const le = b.local(F64);
  const yl = b.local(F64);
  const sl: SigmoidLocals = {
    vx: b.local(V128), vt: b.local(V128), vr: b.local(V128), vc: b.local(V128), vp: b.local(V128),
    vm: b.local(V128), vs: b.local(V128), vex: b.local(V128), fx: b.local(F64), k: vectorConstants(b, lr),
  };
  const Y = Array.from({ length: P }, () => b.local(V128));
  const H = Array.from({ length: P }, () => b.local(V128));
  const acc = b.local(V128);
  const zv = b.local(V128);
  const lxv = b.local(V128);
  const lev = b.local(V128);
  const evens = (n: number): number[] => Array.from({ length: Math.ceil(n / 2) }, (_, i) => 2 * i);
  const odds = (n: number): number[] => Array.from({ length: Math.floor(n / 2) }, (_, i) => 2 * i + 1);
  const vAdd = (): void => void b.simd(Simd.f64x2Add);

  // Normalise two visible units at a time: x_k = (v − lo) / (hi − lo + ε), widening lo/hi first when training
  // (bitselect on v > hi / v < lo is `if (v > hi) hi = v`, NaN included). A last odd unit stores lane 0 only.
  for (let k0 = 0; k0 < nv; k0 += 2) {
    const pair = k0 + 1 < nv;
    const lo = at(L.lo + k0);
    const hi = at(L.hi + k0);
    b.loadF64(inAddr + 8 * m.idx[k0]!).simd(Simd.f64x2Splat);
    if (pair) b.loadF64(inAddr + 8 * m.idx[k0 + 1]!).lane(Simd.f64x2ReplaceLane, 1);
    b.set(nv2);
    for (const [addr, local, cmp] of [[hi, nhi, Simd.f64x2Gt], [lo, nlo, Simd.f64x2Lt]] as const) {
      b.loadV128(addr).set(local);
      if (!train) continue;
      b.get(nv2).get(local).get(nv2).get(local).simd(cmp).simd(Simd.bitselect).set(local);
      if (pair) b.storeV128(addr, () => b.get(local));
      else b.storeF64(addr, () => b.get(local).lane(Simd.f64x2ExtractLane, 0));
    }
    b.get(nv2).get(nlo).simd(Simd.f64x2Sub).get(nhi).get(nlo).simd(Simd.f64x2Sub).get(sl.k.eps).simd(Simd.f64x2Add).simd(Simd.f64x2Div).set(nv2);
    b.get(nv2).lane(Simd.f64x2ExtractLane, 0).set(x[k0]!);
    if (pair) b.get(nv2).lane(Simd.f64x2ExtractLane, 1).set(x[k0 + 1]!);
  }

  // Column sums over k (two hidden units per vector), even-k chain + odd-k chain.
  const columnSum = (p: number, input: number[]): void => {
    const term = (k: number): void => void b.get(input[k]!).simd(Simd.f64x2Splat).loadV128(W(k, 2 * p)).simd(Simd.f64x2Mul);
    chain(evens(nv), term, vAdd);
    if (nv > 1) chain(odds(nv), term, vAdd);
    else b.f64x2(0);
    b.simd(Simd.f64x2Add);
  };

  // Hidden layer: y = sigmoid(x·W + hb).
  for (let p = 0; p < P; p++) {
    columnSum(p, x);
    b.loadV128(at(L.hb + 2 * p)).simd(Simd.f64x2Add).simd(Simd.f64x2Neg).set(sl.vx);
    emitSigmoid(b, sl, tableAddr, exp);
    b.set(Y[p]!);
    if (full(p)) b.storeV128(at(L.y + 2 * p), () => b.get(Y[p]!));
    else b.storeF64(at(L.y + 2 * p), () => b.get(Y[p]!).lane(Simd.f64x2ExtractLane, 0));
  }
  if (nh % 2 === 1) b.get(Y[P - 1]!).lane(Simd.f64x2ExtractLane, 0).set(yl);

  // Row sum of visible k over j: lane 0 the even-j terms, lane 1 the odd-j terms.
  const rowSum = (k: number): void => {
    const Q = Math.floor(nh / 2);
    if (Q === 0) {
      b.get(yl).loadF64(W(k, 0)).op(Op.f64Mul).f64(0).op(Op.f64Add);
      return;
    }
    chain(Array.from({ length: Q }, (_, p) => p), (p) => void b.get(Y[p]!).loadV128(W(k, 2 * p)).simd(Simd.f64x2Mul), vAdd);
    b.set(acc).get(acc).lane(Simd.f64x2ExtractLane, 0);
    if (nh % 2 === 1) b.get(yl).loadF64(W(k, nh - 1)).op(Op.f64Mul).op(Op.f64Add);
    b.get(acc).lane(Simd.f64x2ExtractLane, 1).op(Op.f64Add);
  };

  // Reconstruction z = sigmoid(y·Wᵀ + vb), two visible units at a time; e = x − z; se = Σ e².
  b.f64(0).set(se);
  for (let k0 = 0; k0 < nv; k0 += 2) {
    rowSum(k0);
    b.simd(Simd.f64x2Splat);
    if (k0 + 1 < nv) {
      rowSum(k0 + 1);
      b.lane(Simd.f64x2ReplaceLane, 1);
    }
    b.loadV128(at(L.vb + k0)).simd(Simd.f64x2Add).simd(Simd.f64x2Neg).set(sl.vx);
    emitSigmoid(b, sl, tableAddr, exp);
    b.set(zv);
    for (let k = k0; k < Math.min(nv, k0 + 2); k++) {
      b.storeF64(at(L.e + k), () => b.get(x[k]!).get(zv).lane(Simd.f64x2ExtractLane, k - k0).op(Op.f64Sub).tee(e[k]!));
      b.get(se).get(e[k]!).get(e[k]!).op(Op.f64Mul).op(Op.f64Add).set(se);
    }
  }
  b.storeF64(outAddr, () => b.get(se).f64(nv).op(Op.f64Div).op(Op.f64Sqrt));
  if (!train) return b;

  // h = (e·W) · y · (1 − y); hb += lr·h.
  for (let p = 0; p < P; p++) {
    columnSum(p, e);
    b.get(Y[p]!).simd(Simd.f64x2Mul).get(sl.k.one).get(Y[p]!).simd(Simd.f64x2Sub).simd(Simd.f64x2Mul).set(H[p]!);
    const hb = at(L.hb + 2 * p);
    if (full(p)) b.storeV128(hb, () => b.loadV128(hb).get(sl.k.lr).get(H[p]!).simd(Simd.f64x2Mul).simd(Simd.f64x2Add));
    else b.storeF64(hb, () => b.loadF64(hb).f64(lr).get(H[p]!).lane(Simd.f64x2ExtractLane, 0).op(Op.f64Mul).op(Op.f64Add));
  }
  // W += (lr·x) ⊗ h + (lr·e) ⊗ y; vb += lr·e.
  for (let k = 0; k < nv; k++) {
    b.f64(lr).get(x[k]!).op(Op.f64Mul).tee(lx).simd(Simd.f64x2Splat).set(lxv);
    b.f64(lr).get(e[k]!).op(Op.f64Mul).tee(le).simd(Simd.f64x2Splat).set(lev);
    for (let p = 0; p < P; p++) {
      const w = W(k, 2 * p);
      if (full(p)) {
        b.storeV128(w, () => b.loadV128(w).get(lxv).get(H[p]!).simd(Simd.f64x2Mul).get(lev).get(Y[p]!).simd(Simd.f64x2Mul).simd(Simd.f64x2Add).simd(Simd.f64x2Add));
      } else {
        b.storeF64(w, () =>
          b.loadF64(w).get(lx).get(H[p]!).lane(Simd.f64x2ExtractLane, 0).op(Op.f64Mul).get(le).get(yl).op(Op.f64Mul).op(Op.f64Add).op(Op.f64Add));
      }
    }
    const vb = at(L.vb + k);
    b.storeF64(vb, () => b.loadF64(vb).get(le).op(Op.f64Add));
  }
  return b;
}
