/** Timestamps written as bytes equal the string formatter's, at the edges of Date's range and of the fraction rules. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IsoTimeBytes } from '../../src/output/iso-time-bytes.js';
import { IsoTimeFormatter } from '../../src/output/describe.js';
import { ByteEmitter } from '../../src/output/emitter.js';

const SECONDS = [
  -1, 0, 1, 86399, 86400, 1_592_000_000, 253_402_300_799, 253_402_300_800, -62_167_219_200, -62_167_219_201,
  8.64e12, 8.64e12 + 1, -8.64e12, -8.64e12 - 1, 1.5, 2 ** 53, -(2 ** 53),
];
const FRACTIONS: [number, number][] = [[123_456_789, 9], [5000, 6], [0, 1], [999_999_999, 3], [-1, 6], [1e9, 6], [7, 0], [42, 10]];

function bytes(w: IsoTimeBytes, e: ByteEmitter, sec: number, nsec: number, digits: number): string {
  e.reserve(512);
  w.write(e, sec, nsec, digits);
  return e.take();
}

test('IsoTimeBytes writes what IsoTimeFormatter formats (edges)', () => {
  const w = new IsoTimeBytes(',"ts":"');
  const f = new IsoTimeFormatter();
  const e = new ByteEmitter(1024);
  for (const sec of SECONDS) for (const [nsec, digits] of FRACTIONS) {
    assert.equal(bytes(w, e, sec, nsec, digits), ',"ts":"' + f.format(sec, nsec, digits), `${sec} ${nsec} ${digits}`);
  }
});

test('IsoTimeBytes writes what IsoTimeFormatter formats (random times, same-day runs)', () => {
  const w = new IsoTimeBytes();
  const f = new IsoTimeFormatter();
  const e = new ByteEmitter(1024);
  fc.assert(
    fc.property(fc.integer({ min: -9e12, max: 9e12 }), fc.nat(999_999_999), fc.integer({ min: 0, max: 9 }), fc.nat(100_000), (sec, nsec, digits, step) => {
      assert.equal(bytes(w, e, sec, nsec, digits), f.format(sec, nsec, digits));
      assert.equal(bytes(w, e, sec + step, nsec, digits), f.format(sec + step, nsec, digits));
    }),
    { numRuns: 3000 },
  );
});

test('IsoTimeBytes writes its `after` text after the timestamp, on every path', () => {
  const w = new IsoTimeBytes('  ', '"  ');
  const f = new IsoTimeFormatter();
  const e = new ByteEmitter(1024);
  for (const sec of SECONDS) for (const [nsec, digits] of FRACTIONS) {
    const want = '  ' + f.format(sec, nsec, digits) + '"  ';
    assert.equal(bytes(w, e, sec, nsec, digits), want, `${sec} ${nsec} ${digits}`);
    // The second write of a second comes from the per-second cache.
    assert.equal(bytes(w, e, sec, nsec, digits), want, `${sec} ${nsec} ${digits} (cached)`);
  }
});
