/**
 * WordKeyIndex against a Map model under random finds, adds, releases and
 * clears: the recent-id shortcut of find must never return a released id or
 * an id whose key changed since (ids are reused after release and clear).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WordKeyIndex } from '../../src/detect/ml/keys.js';
import { MT19937 } from '../../src/detect/ml/mt19937.js';

test('WordKeyIndex finds exactly what a Map of the same operations holds', () => {
  const rng = new MT19937(3);
  const idx = new WordKeyIndex(3, 4);
  const model = new Map<string, number>();
  const free: number[] = [];
  let next = 0;
  const pick = (): number => Math.floor(rng.uniform(0, 1) * 40);
  for (let step = 0; step < 20000; step++) {
    const a = pick();
    const b = pick() % 3;
    idx.key[0] = a;
    idx.key[1] = b;
    idx.key[2] = 7;
    const name = `${a},${b}`;
    const op = rng.uniform(0, 1);
    if (op < 0.002) {
      idx.clear();
      model.clear();
      free.length = 0;
      next = 0;
      continue;
    }
    const found = idx.find();
    assert.equal(found, model.get(name) ?? -1, `step ${step}: find ${name}`);
    if (found < 0) {
      const id = free.length > 0 ? free.pop()! : next++;
      idx.add(id);
      model.set(name, id);
    } else if (op < 0.3) {
      idx.release(found);
      model.delete(name);
      free.push(found);
    }
    assert.equal(idx.size, model.size);
  }
});
