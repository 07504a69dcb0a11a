/**
 * The TypeScript classic-BPF interpreter against libpcap's own bpf_filter()
 * (exposed by the binding as runFilter): random valid programs on random
 * packets must return the same value, and both validators must agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BpfProgram, BpfValidationError, validateProgram } from '../../src/capture/bpf/interpreter.js';
import { nativeAvailable, loadNative } from '../../src/capture/native.js';
import { need } from '../helpers/env.js';

const CODES = [
  0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0x80, 0x81, 0x00, 0x01, 0x60, 0x61, 0xb1, 0x02, 0x03,
  0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x94, 0x9c, 0x44, 0x4c, 0x54, 0x5c, 0xa4, 0xac, 0x64, 0x6c, 0x74, 0x7c, 0x84,
  0x05, 0x15, 0x25, 0x35, 0x45, 0x1d, 0x2d, 0x3d, 0x4d, 0x07, 0x87, 0x06, 0x0e, 0x16,
];

/** A random instruction; k is biased to small values so loads land in and around the packet. */
const insn = fc.record({
  code: fc.constantFrom(...CODES),
  jt: fc.integer({ min: 0, max: 3 }),
  jf: fc.integer({ min: 0, max: 3 }),
  k: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0xfffffff0, 31, 32, 33)),
});

function encode(list: { code: number; jt: number; jf: number; k: number }[], clampMem: boolean): Uint32Array {
  const out = new Uint32Array((list.length + 1) * 4);
  list.forEach((x, i) => {
    const cls = x.code & 7;
    const mem = cls === 2 || cls === 3 || x.code === 0x60 || x.code === 0x61;
    out.set([x.code, x.jt, x.jf, clampMem && mem ? x.k % 16 : x.k], i * 4);
  });
  out.set([0x16, 0, 0, 0], list.length * 4); // RET A
  return out;
}

test('interpreter returns what libpcap bpf_filter returns (random programs and packets)', (t) => {
  if (!need(t, nativeAvailable(), 'needs the libpcap binding (npm rebuild)')) return;
  const native = loadNative();
  let compared = 0;
  fc.assert(
    fc.property(
      fc.array(insn, { minLength: 1, maxLength: 24 }),
      fc.uint8Array({ minLength: 0, maxLength: 48 }),
      fc.integer({ min: 0, max: 2000 }),
      fc.boolean(),
      (list, data, extra, clampMem) => {
        const prog = encode(list, clampMem);
        // RET X is in neither instruction set; libpcap's bpf_filter would abort() on it.
        if (list.some((x) => x.code === 0x0e)) {
          assert.throws(() => new BpfProgram(prog), BpfValidationError);
          return;
        }
        const ref = native.runFilter(prog, data, data.length + extra);
        let ours: BpfProgram | null = null;
        try {
          ours = new BpfProgram(prog);
        } catch (e) {
          if (!(e instanceof BpfValidationError)) throw e;
          // We validate like the kernel, which is stricter than libpcap 1.10's bpf_validate in
          // two ways: shifts by a constant >= 32
          // (undefined behaviour in C) and loads of scratch slots never stored (uninitialised
          // memory in libpcap). Any other rejection must match libpcap's.
          if (ref !== null) assert.match(e.message, /shift by|read before it is written/);
          return;
        }
        assert.notEqual(ref, null, `libpcap rejects program ${Array.from(prog).join(',')}`);
        assert.equal(ours.run(data, data.length, data.length + extra), ref, `program ${Array.from(prog).join(',')}`);
        if (ref !== null) compared++;
      },
    ),
    { numRuns: 4000, seed: 1234 },
  );
  assert.ok(compared > 500, `only ${compared} valid programs were compared`);
});

test('compiled libpcap programs agree with bpf_filter on random frames', (t) => {
  if (!need(t, nativeAvailable(), 'needs the libpcap binding (npm rebuild)')) return;
  const native = loadNative();
  const exprs = ['tcp', 'udp port 53', 'ip[0] & 0xf > 5', 'tcp[tcpflags] & tcp-syn != 0', 'vlan and ip6', 'icmp or arp', 'greater 100', 'ip[2:2] / 4 > 10', 'len % 3 == 1'];
  const progs = exprs.map((e) => native.compileFilter(e, 1, 262144));
  // Frames that start as Ethernet/IPv4/TCP so the programs get past the first checks.
  const frame = fc.uint8Array({ minLength: 14, maxLength: 120 }).map((b) => {
    if (b.length >= 24 && (b[0]! & 1) === 0) {
      b[12] = 0x08; b[13] = 0x00; b[14] = 0x40 | (b[14]! & 0x0f); b[23] = b[1]! & 1 ? 6 : 17;
    }
    return b;
  });
  fc.assert(
    fc.property(frame, fc.integer({ min: 0, max: 100 }), (b, extra) => {
      for (let i = 0; i < progs.length; i++) {
        const prog = progs[i]!;
        assert.equal(new BpfProgram(prog).run(b, b.length, b.length + extra), native.runFilter(prog, b, b.length + extra), exprs[i]);
      }
    }),
    { numRuns: 3000, seed: 99 },
  );
});

test('validator rejects what the kernel rejects', () => {
  assert.throws(() => validateProgram(new Uint32Array([0x34, 0, 0, 0, 0x06, 0, 0, 1])), /division by constant zero/);
  assert.throws(() => validateProgram(new Uint32Array([0x15, 5, 0, 1, 0x06, 0, 0, 1])), /jump out of program/);
  assert.throws(() => validateProgram(new Uint32Array([0x02, 0, 0, 16, 0x06, 0, 0, 1])), /scratch index/);
  assert.throws(() => validateProgram(new Uint32Array([0x00, 0, 0, 1])), /does not end with RET/);
  assert.throws(() => validateProgram(new Uint32Array([0xff, 0, 0, 0, 0x06, 0, 0, 1])), /unknown opcode/);
  assert.throws(() => validateProgram(new Uint32Array([0x0e, 0, 0, 0])), /unknown opcode/);
  assert.throws(() => validateProgram(new Uint32Array([0x64, 0, 0, 32, 0x06, 0, 0, 1])), /shift by 32/);
});

test('runtime division by zero and out-of-bounds loads reject the packet', () => {
  const data = Uint8Array.from([0x45, 0, 0, 20]);
  // LDX #0; LD #7; DIV X; RET #1  → rejected (0) at the division
  assert.equal(new BpfProgram(new Uint32Array([0x01, 0, 0, 0, 0x00, 0, 0, 7, 0x3c, 0, 0, 0, 0x06, 0, 0, 1])).run(data, 4, 4), 0);
  // LD [2:4] needs bytes 2..5 of a 4-byte packet → rejected
  assert.equal(new BpfProgram(new Uint32Array([0x20, 0, 0, 2, 0x06, 0, 0, 1])).run(data, 4, 4), 0);
  // LDX 4*([0]&0xf) → 20; TXA; RET A
  assert.equal(new BpfProgram(new Uint32Array([0xb1, 0, 0, 0, 0x87, 0, 0, 0, 0x16, 0, 0, 0])).run(data, 4, 4), 20);
  // LD len is the wire length, not the captured length
  assert.equal(new BpfProgram(new Uint32Array([0x80, 0, 0, 0, 0x16, 0, 0, 0])).run(data, 4, 1500), 1500);
});
