/**
 * Replay pacing: frames arrive in order, spaced in proportion to their
 * timestamps divided by the speed, without busy-waiting; stop() ends a wait.
 * Tolerances are generous (timers on a loaded CI machine are late, never early).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCaptureFile } from '../../src/capture/open.js';
import { tempDir } from '../helpers/temp-dir.js';

/** A microsecond pcap with one 60-byte frame at each offset (seconds) from t0. */
function pcapAt(offsets: number[]): string {
  const t0 = 1_700_000_000;
  const parts: Buffer[] = [];
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32LE(0xa1b2c3d4, 0);
  hdr.writeUInt16LE(2, 4);
  hdr.writeUInt16LE(4, 6);
  hdr.writeUInt32LE(65535, 16);
  hdr.writeUInt32LE(1, 20);
  parts.push(hdr);
  for (const off of offsets) {
    const us = Math.round(off * 1e6);
    const rec = Buffer.alloc(16 + 60);
    rec.writeUInt32LE(t0 + Math.floor(us / 1e6), 0);
    rec.writeUInt32LE(us % 1e6, 4);
    rec.writeUInt32LE(60, 8);
    rec.writeUInt32LE(60, 12);
    parts.push(rec);
  }
  const file = join(tempDir('ww-cap-'), 'paced.pcap');
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

test('realtime replay at speed 2: order and proportional spacing, no busy-wait', async () => {
  const offsets = [0, 0.1, 0.1, 0.2, 0.4, 0.7, 1.0];
  const speed = 2;
  const src = await openCaptureFile(pcapAt(offsets), { realtime: true, speed });
  const arrivals: number[] = [];
  const order: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await src.run((f) => {
    arrivals.push(performance.now() - t0);
    order.push(f.n);
  });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  assert.deepEqual(order, [1, 2, 3, 4, 5, 6, 7]);
  const first = arrivals[0]!;
  for (let i = 1; i < offsets.length; i++) {
    const want = (offsets[i]! * 1000) / speed;
    const got = arrivals[i]! - first;
    // Never early (1 ms slack for timer rounding); late by at most a generous margin, and no drift build-up.
    assert.ok(got >= want - 1, `frame ${i + 1} at ${got.toFixed(1)} ms, due ${want} ms`);
    assert.ok(got <= want + 150, `frame ${i + 1} at ${got.toFixed(1)} ms, due ${want} ms`);
  }
  // Waiting is done with timers: CPU time is a small part of the 500 ms replay.
  const cpuMs = (cpu.user + cpu.system) / 1000;
  assert.ok(cpuMs < wall * 0.5, `cpu ${cpuMs.toFixed(1)} ms over ${wall.toFixed(1)} ms wall`);
});

test('stop() during a long pacing wait ends the run at once', async () => {
  // The second frame is due 10 minutes after the first: only stop() can end this run early.
  const src = await openCaptureFile(pcapAt([0, 600]), { realtime: true });
  const seen: number[] = [];
  const t0 = performance.now();
  setTimeout(() => src.stop(), 50);
  const st = await src.run((f) => seen.push(f.n));
  assert.deepEqual(seen, [1]);
  assert.equal(st.frames, 1);
  assert.ok(performance.now() - t0 < 60_000, 'run ended by stop(), not by the 600 s wait');
});

test('without realtime the same file is delivered at once', async () => {
  const src = await openCaptureFile(pcapAt([0, 600, 1200]));
  const t0 = performance.now();
  const st = await src.run(() => {});
  assert.equal(st.frames, 3);
  assert.ok(performance.now() - t0 < 60_000);
});

test('an invalid speed is refused with a clear message', async () => {
  await assert.rejects(openCaptureFile(pcapAt([0]), { speed: 0 }), /replay speed must be a positive number, got 0/);
  await assert.rejects(openCaptureFile(pcapAt([0]), { speed: Number.NaN }), /positive number/);
});
