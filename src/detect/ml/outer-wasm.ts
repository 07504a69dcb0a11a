/**
 * The feature mapper's hot loop, C += r ⊗ r over the upper triangle (i ≤ j)
 * of an n×n row-major matrix, as a small WebAssembly function with 2-lane f64
 * SIMD: each element gets C + r_i·r_j exactly as the JavaScript loop did (no
 * fused multiply-add), two adjacent j at a time. r and C live in the
 * module's memory; the caller writes r and reads C through the views.
 */
import { encodeModule, FunctionBody, I32, Op, Simd, V128, F64 } from './wasm-emit.js';

export interface OuterKernel {
  /** The residual vector (written by the caller before update). */
  readonly r: Float64Array;
  /** The accumulated matrix (only i ≤ j is maintained). */
  readonly C: Float64Array;
  readonly update: () => void;
}

export function outerKernel(n: number): OuterKernel {
  if (!Number.isInteger(n) || n < 1) throw new Error(`outerKernel: size ${n}`);
  const R = 0;
  const CA = (8 * n + 15) & ~15;
  // A pair's second lane never passes the row's end (j + 1 < n), so no padding is read beyond C.
  const pages = Math.ceil((CA + 8 * n * n) / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const b = new FunctionBody(0);
  const i = b.local(I32);
  const j = b.local(I32);
  const a = b.local(I32);
  const ri = b.local(V128);
  const rs = b.local(F64);
  b.i32(0).set(i);
  b.block().loop();
  b.get(i).i32(n).op(Op.i32GeS).brIf(1);
  b.get(i).i32(3).op(Op.i32Shl).loadF64At(R).tee(rs).simd(Simd.f64x2Splat).set(ri);
  b.get(i).set(j);
  b.block().loop();
  b.get(j).i32(1).op(Op.i32Add).i32(n).op(Op.i32GeS).brIf(1);
  // a = 8·(i·n + j): C[i][j], C[i][j+1] += r_i · (r_j, r_j+1).
  b.get(i).i32(n).op(Op.i32Mul).get(j).op(Op.i32Add).i32(3).op(Op.i32Shl).tee(a);
  b.get(a).loadV128At(CA).get(ri).get(j).i32(3).op(Op.i32Shl).loadV128At(R).simd(Simd.f64x2Mul).simd(Simd.f64x2Add).storeV128At(CA);
  b.get(j).i32(2).op(Op.i32Add).set(j);
  b.br(0).end().end();
  // An odd count leaves the row's last element.
  b.get(j).i32(n).op(Op.i32GeS).op(Op.i32Eqz).if();
  b.get(i).i32(n).op(Op.i32Mul).get(j).op(Op.i32Add).i32(3).op(Op.i32Shl).tee(a);
  b.get(a).loadF64At(CA).get(rs).get(j).i32(3).op(Op.i32Shl).loadF64At(R).op(Op.f64Mul).op(Op.f64Add).storeF64At(CA);
  b.end();
  b.get(i).i32(1).op(Op.i32Add).set(i);
  b.br(0).end().end();
  const bytes = encodeModule({ types: [{ params: [], results: [] }], importFuncs: [], memoryPages: pages, funcs: [{ type: 0, body: b, export: 'update' }] });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  return {
    r: new Float64Array(memory.buffer, R, n),
    C: new Float64Array(memory.buffer, CA, n * n),
    update: instance.exports['update'] as () => void,
  };
}
