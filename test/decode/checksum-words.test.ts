/** The 32-bit-at-a-time checksum sum equals the plain RFC 1071 16-bit sum, at any offset, length and alignment. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { foldSum, sumWords } from '../../src/decode/checksum.js';

function reference(b: Uint8Array, off: number, len: number): number {
  let s = 0;
  for (let i = 0; i + 1 < len; i += 2) s += (b[off + i]! << 8) | b[off + i + 1]!;
  if (len % 2 === 1) s += b[off + len - 1]! << 8;
  while (s > 0xffff) s = (s % 65536) + Math.floor(s / 65536);
  return s;
}

test('sumWords folds to the RFC 1071 sum for every offset, length and buffer alignment', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 2000 }), fc.nat(7), fc.nat(), fc.nat(), (bytes, shift, o, l) => {
      const padded = new Uint8Array(bytes.length + 8);
      padded.set(bytes, shift);
      const view = padded.subarray(shift, shift + bytes.length);
      const off = bytes.length === 0 ? 0 : o % bytes.length;
      const len = (bytes.length - off + 1) === 0 ? 0 : l % (bytes.length - off + 1);
      assert.equal(foldSum(sumWords(view, off, len, 0)), reference(view, off, len));
    }),
    { numRuns: 2000 },
  );
});

test('foldSum is exact for sums far beyond 32 bits (jumbograms)', () => {
  const big = new Uint8Array(262_144).fill(0xff);
  assert.equal(foldSum(sumWords(big, 0, big.length, 0)), reference(big, 0, big.length));
  assert.equal(foldSum(2 ** 52 + 12345), ((2 ** 52 + 12345) % 65535) || 65535);
});
