import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Suppressor } from '../../src/detect/suppress.js';

test('one alert per source and signature per interval; the next one carries the suppressed count', () => {
  const s = new Suppressor(60, 100);
  assert.equal(s.check('10.0.0.1', 1, 1000), 0);
  assert.equal(s.check('10.0.0.1', 1, 1059), -1);
  assert.equal(s.check('10.0.0.1', 1, 1059), -1);
  assert.equal(s.check('10.0.0.1', 2, 1059), 0, 'another signature is tracked separately');
  assert.equal(s.check('10.0.0.2', 1, 1059), 0, 'another source is tracked separately');
  assert.equal(s.check('10.0.0.1', 1, 1060), 2, 'interval over: passes with 2 suppressed');
  assert.equal(s.suppressedTotal, 2);
});

test('the key table is bounded and counts evictions', () => {
  const s = new Suppressor(60, 10);
  for (let i = 0; i < 25; i++) s.check(`h${i}`, 1, 0);
  assert.equal(s.evicted, 15);
});
