/**
 * A minimal WebAssembly binary writer: just the sections and instructions the
 * generated KitNET kernels (ensemble-wasm.ts) use. The kernels are generated
 * per model (their sizes and feature indexes are constants in the code), so
 * the module is built at run time; writing the few opcodes needed here keeps
 * the project free of an assembler dependency and of a build step.
 *
 * Encodings: WebAssembly core spec 2.0 (binary format, SIMD 0xFD prefix).
 */

export const F64 = 0x7c;
export const I32 = 0x7f;
export const V128 = 0x7b;
export type ValType = typeof F64 | typeof I32 | typeof V128;

/** SIMD opcodes (after the 0xFD prefix) used by the kernels. */
export const Simd = {
  load: 0x00,
  store: 0x0b,
  const: 0x0c,
  i32x4ExtractLane: 0x1b,
  f64x2Splat: 0x14,
  f64x2ExtractLane: 0x21,
  f64x2ReplaceLane: 0x22,
  f64x2Lt: 0x49,
  f64x2Gt: 0x4a,
  and: 0x4e,
  bitselect: 0x52,
  i64x2AllTrue: 0xc3,
  i64x2ExtendLowI32x4S: 0xc7,
  i64x2Shl: 0xcb,
  i64x2ShrS: 0xcc,
  i64x2Add: 0xce,
  f64x2Neg: 0xed,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
  f64x2Div: 0xf3,
  i32x4TruncSatF64x2SZero: 0xfc,
} as const;

/** Plain opcodes used by the kernels. */
export const Op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  call: 0x10,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  f64Load: 0x2b,
  f64Store: 0x39,
  i32Const: 0x41,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32GeS: 0x4e,
  f64Lt: 0x63,
  f64Gt: 0x64,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Shl: 0x74,
  f64Neg: 0x9a,
  f64Sqrt: 0x9f,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  f64Div: 0xa3,
} as const;

const BLOCK_EMPTY = 0x40;

/** A growable byte buffer (the module is tens of kilobytes: one byte per push into a number[] was most of the build time). */
class Bytes {
  private buf = new Uint8Array(1024);
  length = 0;

  push(b: number): void {
    if (this.length === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = b;
  }
  append(b: Bytes | Uint8Array): void {
    const src = b instanceof Bytes ? b.bytes() : b;
    while (this.length + src.length > this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf.set(src, this.length);
    this.length += src.length;
  }
  /** The bytes written (a view, valid until the next write). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

function uleb(out: Bytes, v: number): void {
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
}

function sleb32(out: Bytes, v: number): void {
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

const f64Bytes = new Uint8Array(8);
const f64View = new DataView(f64Bytes.buffer);

/** The body of one function: locals are declared up front, by type, and numbered after the parameters. */
export class FunctionBody {
  readonly code = new Bytes();
  private readonly localTypes: ValType[] = [];

  constructor(private readonly nParams: number) {}

  /** A new local of type t; returns its index. */
  local(t: ValType): number {
    this.localTypes.push(t);
    return this.nParams + this.localTypes.length - 1;
  }

  op(o: number): this {
    this.code.push(o);
    return this;
  }
  simd(o: number): this {
    this.code.push(0xfd);
    uleb(this.code, o);
    return this;
  }
  /** A SIMD lane instruction (extract/replace) with its lane index. */
  lane(o: number, lane: number): this {
    this.simd(o);
    this.code.push(lane);
    return this;
  }
  get(i: number): this {
    return this.withIndex(Op.localGet, i);
  }
  set(i: number): this {
    return this.withIndex(Op.localSet, i);
  }
  tee(i: number): this {
    return this.withIndex(Op.localTee, i);
  }
  i32(v: number): this {
    this.code.push(Op.i32Const);
    sleb32(this.code, v);
    return this;
  }
  f64(v: number): this {
    this.code.push(Op.f64Const);
    f64View.setFloat64(0, v, true);
    this.code.append(f64Bytes);
    return this;
  }
  /** v128.const of two doubles (lane 0, lane 1). */
  f64x2(a: number, b: number = a): this {
    this.simd(Simd.const);
    f64View.setFloat64(0, a, true);
    this.code.append(f64Bytes);
    f64View.setFloat64(0, b, true);
    this.code.append(f64Bytes);
    return this;
  }
  /** v128.const of two 64-bit integers given as numbers (|v| < 2^31). */
  i64x2(v: number): this {
    this.simd(Simd.const);
    for (let lane = 0; lane < 2; lane++) {
      const lo = v | 0;
      const hi = v < 0 ? -1 : 0;
      for (const w of [lo, hi]) for (let k = 0; k < 4; k++) this.code.push((w >>> (8 * k)) & 0xff);
    }
    return this;
  }
  /** f64.load at the constant byte address `addr` (the address operand must be i32.const 0, pushed here). */
  loadF64(addr: number): this {
    return this.i32(0).loadF64At(addr);
  }
  /** f64.store of the value computed by `value` at the constant byte address `addr`. */
  storeF64(addr: number, value: () => void): this {
    this.i32(0);
    value();
    return this.storeF64At(addr);
  }
  /** f64.load with the address on the stack plus a constant offset. */
  loadF64At(offset: number): this {
    return this.op(Op.f64Load).memarg(offset);
  }
  /** v128.load with the address on the stack plus a constant offset. */
  loadV128At(offset: number): this {
    return this.simd(Simd.load).memarg(offset);
  }
  /** v128.store with address and value on the stack, plus a constant offset. */
  storeV128At(offset: number): this {
    return this.simd(Simd.store).memarg(offset);
  }
  /** f64.store with address and value on the stack, plus a constant offset. */
  storeF64At(offset: number): this {
    return this.op(Op.f64Store).memarg(offset);
  }
  /** block / loop with no result (close with end()). */
  block(): this {
    this.code.push(Op.block);
    this.code.push(BLOCK_EMPTY);
    return this;
  }
  loop(): this {
    this.code.push(Op.loop);
    this.code.push(BLOCK_EMPTY);
    return this;
  }
  /** br / br_if to the enclosing construct `depth` levels out (0 = innermost). */
  br(depth: number): this {
    return this.withIndex(Op.br, depth);
  }
  brIf(depth: number): this {
    return this.withIndex(Op.brIf, depth);
  }
  loadV128(addr: number): this {
    return this.i32(0).loadV128At(addr);
  }
  storeV128(addr: number, value: () => void): this {
    this.i32(0);
    value();
    return this.storeV128At(addr);
  }
  if(): this {
    this.code.push(Op.if);
    this.code.push(BLOCK_EMPTY);
    return this;
  }
  end(): this {
    this.code.push(Op.end);
    return this;
  }
  call(f: number): this {
    return this.withIndex(Op.call, f);
  }

  /** An instruction with one unsigned immediate (a local, a branch depth, a function index). */
  private withIndex(op: number, n: number): this {
    this.code.push(op);
    uleb(this.code, n);
    return this;
  }
  /** A memory instruction's immediate: alignment 2^3 (every access here is to doubles) and the constant offset. */
  private memarg(offset: number): this {
    this.code.push(3);
    uleb(this.code, offset);
    return this;
  }

  /** The encoded body: its size, the locals declaration, the code and `end`. */
  encode(out: Bytes): void {
    const groups: [number, ValType][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const head = new Bytes();
    uleb(head, groups.length);
    for (const [n, t] of groups) {
      uleb(head, n);
      head.push(t);
    }
    uleb(out, head.length + this.code.length + 1);
    out.append(head);
    out.append(this.code);
    out.push(Op.end);
  }
}

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export interface ModuleSpec {
  types: FuncType[];
  /** Imported functions ("env"."name"), numbered first. */
  importFuncs: { name: string; type: number }[];
  /** Imported memory "env"."memory" with this many 64 KiB pages. */
  memoryPages: number;
  funcs: { type: number; body: FunctionBody; export?: string }[];
}

function section(out: Bytes, id: number, content: Bytes): void {
  out.push(id);
  uleb(out, content.length);
  out.append(content);
}

function name(out: Bytes, s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  out.append(bytes);
}

/** The module's binary. */
export function encodeModule(m: ModuleSpec): Uint8Array {
  const out = new Bytes();
  out.append(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00));
  const types = new Bytes();
  uleb(types, m.types.length);
  for (const t of m.types) {
    types.push(0x60);
    uleb(types, t.params.length);
    for (const p of t.params) types.push(p);
    uleb(types, t.results.length);
    for (const r of t.results) types.push(r);
  }
  section(out, 1, types);
  const imports = new Bytes();
  uleb(imports, m.importFuncs.length + 1);
  for (const f of m.importFuncs) {
    name(imports, 'env');
    name(imports, f.name);
    imports.push(0x00);
    uleb(imports, f.type);
  }
  name(imports, 'env');
  name(imports, 'memory');
  imports.push(0x02);
  imports.push(0x00);
  uleb(imports, m.memoryPages);
  section(out, 2, imports);
  const funcs = new Bytes();
  uleb(funcs, m.funcs.length);
  for (const f of m.funcs) uleb(funcs, f.type);
  section(out, 3, funcs);
  const exported = m.funcs.map((f, i) => ({ name: f.export, index: m.importFuncs.length + i })).filter((e) => e.name !== undefined);
  const exports = new Bytes();
  uleb(exports, exported.length);
  for (const e of exported) {
    name(exports, e.name!);
    exports.push(0x00);
    uleb(exports, e.index);
  }
  section(out, 7, exports);
  const code = new Bytes();
  uleb(code, m.funcs.length);
  for (const f of m.funcs) f.body.encode(code);
  section(out, 10, code);
  return out.bytes().slice();
}
