/**
 * Timestamp conversion: exact against BigInt arithmetic for every resolution,
 * and a hand-built pcapng (both byte orders, several sections, if_tsresol
 * decimal and 2^-n, if_tsoffset, EPB/PB/SPB, NRB/ISB/DSB/custom/unknown
 * blocks) read by us and by tshark, frame by frame.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { RawFrame } from '../../src/capture/frame.js';
import { TsResolution, unitsHighLow } from '../../src/capture/timestamp.js';
import { openCaptureFile } from '../../src/capture/open.js';
import { needTool } from '../helpers/env.js';
import { BlockBuilder, sampleFrame } from './pcapng-build.js';
import { epochString } from './corpus-files.js';
import { tempDir } from '../helpers/temp-dir.js';

function reference(units: bigint, tsresol: number): [number, number] {
  const per = (tsresol & 0x80) !== 0 ? 1n << BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol & 0x7f);
  return [Number(units / per), Number(((units % per) * 1_000_000_000n) / per)];
}

test('TsResolution.convert equals BigInt arithmetic for decimal and 2^-n resolutions', () => {
  const resolutions = [0, 1, 3, 6, 7, 9, 10, 12, 0x80, 0x88, 0x8a, 0x94, 0x9e, 0x9f, 0xa0, 0xa8];
  const f = new RawFrame();
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }), fc.constantFrom(...resolutions), (units, res) => {
      const r = new TsResolution(res);
      r.convert(Number(units >> 32n), Number(units & 0xffffffffn), 0, f);
      const [sec, nsec] = reference(units, res);
      // Seconds above 2^53 cannot be exact in a number; they only occur for absurd units/resolution pairs.
      if (sec <= Number.MAX_SAFE_INTEGER) assert.equal(f.tsSec, sec);
      assert.equal(f.tsNsec, nsec);
    }),
    { numRuns: 20000 },
  );
});

test('unitsHighLow splits sec * perSec + frac exactly', () => {
  const out = new Uint32Array(1);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 34 }), fc.integer({ min: 0, max: 999_999_999 }), fc.boolean(), (sec, ns, nano) => {
      const per = nano ? 1_000_000_000 : 1_000_000;
      const frac = nano ? ns : Math.floor(ns / 1000);
      const hi = unitsHighLow(sec, frac, per, out);
      const want = BigInt(sec) * BigInt(per) + BigInt(frac);
      assert.equal((BigInt(hi) << 32n) | BigInt(out[0]!), want);
    }),
    { numRuns: 20000 },
  );
});

/** A pcapng exercising every block kind, with timestamps at awkward resolutions. */
function buildExotic(): Buffer {
  const L = new BlockBuilder(true);
  const B = new BlockBuilder(false);
  const t0 = 1_700_000_000n;
  const parts: Buffer[] = [
    L.shb(Buffer.concat([L.option(4, Buffer.from('wirewatch test')), L.endOpt()])),
    L.idb(1, 0, { tsresol: 9, name: 'ns0' }),
    L.idb(1, 0, { tsresol: 0x9e }), // 2^-30
    L.idb(1, 0, { tsresol: 6, tsoffset: 1_000_000n }),
    L.idb(1, 0, { tsresol: 0xa0 }), // 2^-32
    L.idb(1, 0, { tsresol: 3 }),
    L.idb(101, 0, { tsresol: 0x88 }), // 2^-8, raw IP link type
    L.nrb(),
    L.epb(0, t0 * 1_000_000_000n + 123_456_789n, sampleFrame(60, 1)),
    L.block(0x0000abcd, Buffer.alloc(8)), // unknown block: skipped
    L.epb(1, (t0 << 30n) + 987_654_321n, sampleFrame(61, 2), 1500),
    L.block(10, Buffer.concat([L.u32(0x544c534b), L.u32(4), Buffer.from('abcd')])), // DSB
    L.epb(2, t0 * 1_000_000n + 999_999n, sampleFrame(62, 3)),
    L.epb(3, (t0 << 32n) + 0xffffffffn, sampleFrame(63, 4), 63, Buffer.concat([L.option(2, L.u32(1)), L.endOpt()])),
    L.pb(4, t0 * 1000n + 7n, sampleFrame(5, 5)),
    L.epb(5, (t0 << 8n) + 255n, sampleFrame(40, 6)),
    L.isb(0),
    B.shb(),
    B.idb(1, 64, { tsresol: 9 }),
    B.spb(100, sampleFrame(64, 7)),
    B.epb(0, (t0 + 5n) * 1_000_000_000n + 1n, sampleFrame(64, 8), 200),
    B.isb(0),
  ];
  return Buffer.concat(parts);
}

test('hand-built pcapng: frames and times equal tshark', async (t) => {
  if (!needTool(t, 'tshark', 'tshark')) return;
  const dir = tempDir('ww-cap-');
  const file = join(dir, 'exotic.pcapng');
  writeFileSync(file, buildExotic());
  const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const theirs = r.stdout.trim().split('\n').map((l) => l.split('\t'));
  const ours: string[][] = [];
  const src = await openCaptureFile(file);
  assert.equal(src.interfaces().length, 6, 'IDBs of the first section known before run()');
  const st = await src.run((f) => ours.push([String(f.n), f.hasTs ? epochString(f.tsSec, f.tsNsec) : '', String(f.origLen), String(f.capLen)]));
  assert.deepEqual(st.warnings, []);
  assert.equal(src.interfaces().length, 7);
  assert.equal(ours.length, 8);
  assert.deepEqual(ours, theirs);
});
