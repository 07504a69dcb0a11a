/**
 * A classic-BPF interpreter with the semantics of libpcap's bpf_filter()
 * (what `tcpdump -r` applies to files) and the Linux kernel's: a load outside
 * the captured bytes rejects the packet, division or modulo by zero rejects
 * it, BPF_LEN is the length on the wire. The program is validated once (jump
 * targets, scratch indices, terminating RET), so the run loop needs no checks
 * beyond packet bounds and allocates nothing.
 */
import * as op from './opcodes.js';

export class BpfValidationError extends Error {
  constructor(message: string) {
    super(`invalid BPF program: ${message}`);
    this.name = 'BpfValidationError';
  }
}

/** Instruction words: [code, jt, jf, k] per instruction (as compileFilter returns). */
export type BpfInsns = Uint32Array;

const VALID_CODES: ReadonlySet<number> = new Set<number>([
  op.BPF_LD | op.BPF_W | op.BPF_ABS, op.BPF_LD | op.BPF_H | op.BPF_ABS, op.BPF_LD | op.BPF_B | op.BPF_ABS,
  op.BPF_LD | op.BPF_W | op.BPF_IND, op.BPF_LD | op.BPF_H | op.BPF_IND, op.BPF_LD | op.BPF_B | op.BPF_IND,
  op.BPF_LD | op.BPF_W | op.BPF_LEN, op.BPF_LD | op.BPF_IMM, op.BPF_LD | op.BPF_MEM,
  op.BPF_LDX | op.BPF_W | op.BPF_IMM, op.BPF_LDX | op.BPF_W | op.BPF_MEM, op.BPF_LDX | op.BPF_W | op.BPF_LEN,
  op.BPF_LDX | op.BPF_B | op.BPF_MSH,
  op.BPF_ST, op.BPF_STX,
  ...[op.BPF_ADD, op.BPF_SUB, op.BPF_MUL, op.BPF_DIV, op.BPF_OR, op.BPF_AND, op.BPF_LSH, op.BPF_RSH, op.BPF_MOD, op.BPF_XOR].flatMap(
    (o) => [op.BPF_ALU | o | op.BPF_K, op.BPF_ALU | o | op.BPF_X],
  ),
  op.BPF_ALU | op.BPF_NEG,
  op.BPF_JMP | op.BPF_JA,
  ...[op.BPF_JEQ, op.BPF_JGT, op.BPF_JGE, op.BPF_JSET].flatMap((o) => [op.BPF_JMP | o | op.BPF_K, op.BPF_JMP | o | op.BPF_X]),
  // RET X is not in the kernel's (or libpcap's) instruction set.
  op.BPF_RET | op.BPF_K, op.BPF_RET | op.BPF_A,
  op.BPF_MISC | op.BPF_TAX, op.BPF_MISC | op.BPF_TXA,
]);

/** Checks a program the way the kernel's bpf_check_classic / libpcap's bpf_validate do. */
export function validateProgram(insns: BpfInsns): void {
  if (insns.length % 4 !== 0) throw new BpfValidationError(`instruction words not a multiple of 4 (${insns.length})`);
  const n = insns.length / 4;
  if (n > op.BPF_MAXINSNS) throw new BpfValidationError(`${n} instructions (at most ${op.BPF_MAXINSNS})`);
  for (let pc = 0; pc < n; pc++) {
    const code = insns[pc * 4]!;
    const jt = insns[pc * 4 + 1]!;
    const jf = insns[pc * 4 + 2]!;
    const k = insns[pc * 4 + 3]!;
    if (!VALID_CODES.has(code)) throw new BpfValidationError(`unknown opcode 0x${code.toString(16)} at ${pc}`);
    const cls = code & op.BPF_CLASS_MASK;
    const mode = code & op.BPF_MODE_MASK;
    if ((cls === op.BPF_ST || cls === op.BPF_STX || ((cls === op.BPF_LD || cls === op.BPF_LDX) && mode === op.BPF_MEM)) && k >= op.BPF_MEMWORDS) {
      throw new BpfValidationError(`scratch index ${k} out of range at ${pc}`);
    }
    if (cls === op.BPF_ALU) {
      const o = code & op.BPF_OP_MASK;
      if ((code & op.BPF_SRC_MASK) === op.BPF_K) {
        if ((o === op.BPF_DIV || o === op.BPF_MOD) && k === 0) throw new BpfValidationError(`division by constant zero at ${pc}`);
        if ((o === op.BPF_LSH || o === op.BPF_RSH) && k >= 32) throw new BpfValidationError(`shift by ${k} at ${pc}`);
      }
    }
    if (cls === op.BPF_JMP) {
      if ((code & op.BPF_OP_MASK) === op.BPF_JA) {
        if (pc + 1 + k >= n) throw new BpfValidationError(`jump out of program at ${pc}`);
      } else if (pc + 1 + jt >= n || pc + 1 + jf >= n) {
        throw new BpfValidationError(`jump out of program at ${pc}`);
      }
    }
  }
  if (n > 0 && (insns[(n - 1) * 4]! & op.BPF_CLASS_MASK) !== op.BPF_RET) {
    throw new BpfValidationError('program does not end with RET');
  }
  checkScratchInitialised(insns, n);
}

/**
 * Like the kernel's check_load_and_stores(): a scratch slot must be stored on
 * every path before it is loaded (libpcap would read uninitialised memory).
 * Jumps only go forward, so one pass in program order sees every predecessor.
 */
function checkScratchInitialised(insns: BpfInsns, n: number): void {
  const valid = new Uint16Array(n).fill(0xffff);
  if (n > 0) valid[0] = 0;
  for (let pc = 0; pc < n; pc++) {
    const code = insns[pc * 4]!;
    const k = insns[pc * 4 + 3]!;
    let mask = valid[pc]!;
    const cls = code & op.BPF_CLASS_MASK;
    if (cls === op.BPF_ST || cls === op.BPF_STX) mask |= 1 << k;
    else if ((code === (op.BPF_LD | op.BPF_MEM) || code === (op.BPF_LDX | op.BPF_MEM)) && (mask & (1 << k)) === 0) {
      throw new BpfValidationError(`scratch memory M[${k}] read before it is written at ${pc}`);
    }
    if (cls === op.BPF_RET) continue;
    if (cls === op.BPF_JMP) {
      if ((code & op.BPF_OP_MASK) === op.BPF_JA) valid[pc + 1 + k]! &= mask;
      else {
        valid[pc + 1 + insns[pc * 4 + 1]!]! &= mask;
        valid[pc + 1 + insns[pc * 4 + 2]!]! &= mask;
      }
    } else if (pc + 1 < n) valid[pc + 1]! &= mask;
  }
}

/** A validated program with its own scratch memory (not shared between concurrent runs). */
export class BpfProgram {
  private readonly insns: BpfInsns;
  private readonly count: number;
  private readonly mem = new Uint32Array(op.BPF_MEMWORDS);

  constructor(insns: BpfInsns) {
    validateProgram(insns);
    this.insns = insns;
    this.count = insns.length / 4;
  }

  get length(): number {
    return this.count;
  }

  /**
   * Runs the program on `p` (the captured bytes: `buflen` of them) with
   * `wirelen` the length on the wire. Returns the RET value (0 = reject;
   * otherwise the snapshot length to keep). An empty program accepts all.
   */
  run(p: Uint8Array, buflen: number, wirelen: number): number {
    const ins = this.insns;
    const mem = this.mem;
    const n = this.count;
    if (n === 0) return 0xffffffff;
    if (buflen > p.length) buflen = p.length;
    let a = 0;
    let x = 0;
    let pc = 0;
    for (;;) {
      const i = pc * 4;
      const code = ins[i]!;
      const k = ins[i + 3]!;
      pc++;
      switch (code) {
        case 0x06: // RET K
          return k;
        case 0x16: // RET A
          return a;
        case 0x20: // LD W ABS
          if (k > buflen || 4 > buflen - k) return 0;
          a = ((p[k]! << 24) | (p[k + 1]! << 16) | (p[k + 2]! << 8) | p[k + 3]!) >>> 0;
          break;
        case 0x28: // LD H ABS
          if (k > buflen || 2 > buflen - k) return 0;
          a = (p[k]! << 8) | p[k + 1]!;
          break;
        case 0x30: // LD B ABS
          if (k >= buflen) return 0;
          a = p[k]!;
          break;
        case 0x40: { // LD W IND
          if (k > buflen || x > buflen - k) return 0;
          const o = x + k;
          if (4 > buflen - o) return 0;
          a = ((p[o]! << 24) | (p[o + 1]! << 16) | (p[o + 2]! << 8) | p[o + 3]!) >>> 0;
          break;
        }
        case 0x48: { // LD H IND
          if (k > buflen || x > buflen - k) return 0;
          const o = x + k;
          if (2 > buflen - o) return 0;
          a = (p[o]! << 8) | p[o + 1]!;
          break;
        }
        case 0x50: { // LD B IND
          if (k > buflen || x >= buflen - k) return 0;
          a = p[x + k]!;
          break;
        }
        case 0x80: // LD W LEN
          a = wirelen >>> 0;
          break;
        case 0x81: // LDX W LEN
          x = wirelen >>> 0;
          break;
        case 0x00: // LD IMM
          a = k;
          break;
        case 0x01: // LDX IMM
          x = k;
          break;
        case 0x60: // LD MEM
          a = mem[k]!;
          break;
        case 0x61: // LDX MEM
          x = mem[k]!;
          break;
        case 0xb1: // LDX B MSH: 4 * (p[k] & 0xf), the IPv4 header length
          if (k >= buflen) return 0;
          x = (p[k]! & 0x0f) << 2;
          break;
        case 0x02: // ST
          mem[k] = a;
          break;
        case 0x03: // STX
          mem[k] = x;
          break;
        case 0x05: // JA
          pc += k;
          break;
        case 0x15: // JEQ K
          pc += a === k ? ins[i + 1]! : ins[i + 2]!;
          break;
        case 0x25: // JGT K
          pc += a > k ? ins[i + 1]! : ins[i + 2]!;
          break;
        case 0x35: // JGE K
          pc += a >= k ? ins[i + 1]! : ins[i + 2]!;
          break;
        case 0x45: // JSET K
          pc += (a & k) !== 0 ? ins[i + 1]! : ins[i + 2]!;
          break;
        case 0x1d: // JEQ X
          pc += a === x ? ins[i + 1]! : ins[i + 2]!;
          break;
        case 0x2d: // JGT X
          pc += a > x ? ins[i + 1]! : ins[i + 2]!;
          break;
        case 0x3d: // JGE X
          pc += a >= x ? ins[i + 1]! : ins[i + 2]!;
          break;
        case 0x4d: // JSET X
          pc += (a & x) !== 0 ? ins[i + 1]! : ins[i + 2]!;
          break;
        case 0x04: // ADD K
          a = (a + k) >>> 0;
          break;
        case 0x0c: // ADD X
          a = (a + x) >>> 0;
          break;
        case 0x14: // SUB K
          a = (a - k) >>> 0;
          break;
        case 0x1c: // SUB X
          a = (a - x) >>> 0;
          break;
        case 0x24: // MUL K
          a = Math.imul(a, k) >>> 0;
          break;
        case 0x2c: // MUL X
          a = Math.imul(a, x) >>> 0;
          break;
        case 0x34: // DIV K (k != 0: validated)
          a = Math.floor(a / k) >>> 0;
          break;
        case 0x3c: // DIV X
          if (x === 0) return 0;
          a = Math.floor(a / x) >>> 0;
          break;
        case 0x94: // MOD K
          a = a % k;
          break;
        case 0x9c: // MOD X
          if (x === 0) return 0;
          a = a % x;
          break;
        case 0x44: // OR K
          a = (a | k) >>> 0;
          break;
        case 0x4c: // OR X
          a = (a | x) >>> 0;
          break;
        case 0x54: // AND K
          a = (a & k) >>> 0;
          break;
        case 0x5c: // AND X
          a = (a & x) >>> 0;
          break;
        case 0xa4: // XOR K
          a = (a ^ k) >>> 0;
          break;
        case 0xac: // XOR X
          a = (a ^ x) >>> 0;
          break;
        case 0x64: // LSH K (k < 32: validated)
          a = (a << k) >>> 0;
          break;
        case 0x6c: // LSH X: libpcap yields 0 for shifts of 32 or more (JS would wrap the count)
          a = x < 32 ? (a << x) >>> 0 : 0;
          break;
        case 0x74: // RSH K
          a = a >>> k;
          break;
        case 0x7c: // RSH X
          a = x < 32 ? a >>> x : 0;
          break;
        case 0x84: // NEG
          a = -a >>> 0;
          break;
        case 0x07: // TAX
          x = a;
          break;
        case 0x87: // TXA
          a = x;
          break;
        default:
          // Unreachable after validation; reject like the kernel would.
          return 0;
      }
    }
  }

  /** True when the program accepts the packet. */
  matches(p: Uint8Array, buflen: number, wirelen: number): boolean {
    return this.run(p, buflen, wirelen) !== 0;
  }
}
