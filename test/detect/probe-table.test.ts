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
