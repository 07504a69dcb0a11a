import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProbeTable, Slot } from '../../src/detect/probe-table.js';

const A = Uint32Array.of(0, 0, 0xffff, 0xc6120003);
const B = Uint32Array.of(0, 0, 0xffff, 0xc6120002);
const C = Uint32Array.of(0, 0, 0xffff, 0xc6120004);

test('flow hints: a hinted slot is returned only while it holds the asked tuple', () => {
  const tab = new ProbeTable(64);
  const i = tab.hint(7, tab.insert(A, B, 40000, 80, 6, Slot.Pending, 1, 1));
  assert.equal(tab.hintOf(7), i);
  assert.equal(tab.hintOf(8), -1, 'another flow has no hint');
  assert.equal(tab.findHinted(7, A, B, 40000, 80, 6), i);
  assert.equal(tab.findHinted(7, B, A, 80, 40000, 6), -1, 'the reverse tuple is not the hinted one');
  // Freed, then the same record reused for another tuple: the stale hint must not answer for either.
  tab.free(i);
  assert.equal(tab.findHinted(7, A, B, 40000, 80, 6), -1);
  const j = tab.insert(C, B, 40001, 80, 6, Slot.Pending, 1, 2);
  assert.equal(j, i, 'the free list hands the record out again');
  assert.equal(tab.findHinted(7, A, B, 40000, 80, 6), -1);
  assert.equal(tab.findHinted(7, C, B, 40001, 80, 6), j, 'found by hashing, whatever the hint says');
  assert.equal(tab.hintOf(7), j, 'and hinted from then on');
  assert.equal(tab.findHinted(0, C, B, 40001, 80, 6), j, 'flow 0 (no flow stage) just hashes');
  assert.equal(tab.hintOf(0), -1);
});

test('find agrees with a scan of every record through inserts, evictions and frees (the per-bucket tag bits never hide a key)', () => {
  const tab = new ProbeTable(64);
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const keys = Array.from({ length: 300 }, () => ({
    s: Uint32Array.of(0, 0, 0xffff, 0xc6120000 + rnd(50)),
    d: Uint32Array.of(0, 0, 0xffff, 0xc6130000 + rnd(50)),
    sp: 1024 + rnd(4),
    dp: rnd(3) === 0 ? 53 : 80,
    proto: rnd(2) === 0 ? 6 : 17,
  }));
  const scan = (k: (typeof keys)[number]): number => {
    for (let i = 0; i < tab.cap; i++) if (tab.holds(i, k.s, k.d, k.sp, k.dp, k.proto)) return i;
    return -1;
  };
  let evictedBefore = 0;
  for (let step = 0; step < 5000; step++) {
    const k = keys[rnd(keys.length)]!;
    const at = tab.find(k.s, k.d, k.sp, k.dp, k.proto);
    assert.equal(at, scan(k), `step ${step}: find must return the record holding the key`);
    if (at < 0 && rnd(10) < 7) tab.insert(k.s, k.d, k.sp, k.dp, k.proto, Slot.Pending, 1, step, rnd(2) === 0 ? step - 100 : -Infinity);
    else if (at >= 0 && rnd(10) < 5) tab.free(at);
    evictedBefore = tab.evicted;
  }
  assert.ok(evictedBefore > 0, 'full buckets were met (evictions happened)');
  for (const k of keys) assert.equal(tab.find(k.s, k.d, k.sp, k.dp, k.proto), scan(k));
});

test('parked entries are freed once idle for the given time (at, not before), and parked again while in use', () => {
  const tab = new ProbeTable(64);
  const idle = tab.insert(A, B, 40000, 80, 6, Slot.Answered, 1, 100);
  const busy = tab.insert(C, B, 40001, 80, 6, Slot.Answered, 1, 100);
  tab.park(idle, 100);
  tab.park(busy, 100);
  tab.freeIdle(279.5, 180);
  assert.equal(tab.used, 2, 'parked 179.5 s ago: not visited yet');
  tab.setTs(busy, 200);
  tab.freeIdle(280, 180);
  assert.equal(tab.find(A, B, 40000, 80, 6), -1, 'last packet 180 s before: freed');
  assert.equal(tab.find(C, B, 40001, 80, 6), busy, 'last packet 80 s before: kept');
  tab.freeIdle(379.9, 180);
  assert.equal(tab.find(C, B, 40001, 80, 6), busy, 'parked again at 280: not visited before 460');
  tab.freeIdle(460, 180);
  assert.equal(tab.used, 0, 'idle since 200: freed at 460');
  // A parked slot freed and reused meanwhile is skipped (its generation changed).
  const a = tab.insert(A, B, 40000, 80, 6, Slot.Answered, 1, 500);
  tab.park(a, 505);
  tab.free(a);
  const b = tab.insert(C, B, 40001, 80, 6, Slot.Answered, 1, 500);
  assert.equal(b, a);
  tab.freeIdle(1000, 180);
  assert.equal(tab.find(C, B, 40001, 80, 6), b, 'the new tuple was never parked');
});
