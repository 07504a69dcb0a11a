import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedMap } from '../../src/detect/bounded-map.js';

test('BoundedMap keeps least-recently-used order and evictions of a Map touched by delete + set, whatever the op sequence', () => {
  const max = 5;
  const bm = new BoundedMap<number, string>(max);
  const ref = new Map<number, string>();
  let refEvicted = 0;
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let step = 0; step < 20000; step++) {
    // Few keys and repeats in a row, so the most recent key is touched again often.
    const k = rnd(3) === 0 ? [...ref.keys()].at(-1) ?? 0 : rnd(9);
    const op = rnd(10);
    if (op < 4) {
      const v = ref.get(k);
      if (v !== undefined) {
        ref.delete(k);
        ref.set(k, v);
      }
      assert.equal(bm.get(k), v);
    } else if (op < 7) {
      if (ref.has(k)) ref.delete(k);
      else if (ref.size >= max) {
        ref.delete(ref.keys().next().value!);
        refEvicted++;
      }
      ref.set(k, `v${step}`);
      bm.set(k, `v${step}`);
    } else if (op < 9) {
      assert.equal(bm.peek(k), ref.get(k));
    } else {
      assert.equal(bm.delete(k), ref.delete(k));
    }
    assert.deepEqual([...bm.entries()], [...ref.entries()], `step ${step}: same entries in the same order`);
    assert.equal(bm.evicted, refEvicted);
  }
});
