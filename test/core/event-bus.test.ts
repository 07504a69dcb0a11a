/** The record bus: record listeners get records, count listeners get every occurrence, emitted or tallied. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../../src/events.js';

test('count listeners see emitted and tallied records; record listeners only emitted ones', () => {
  const bus = new EventBus();
  const seen: unknown[] = [];
  let counted = 0;
  bus.onCount('flow', () => counted++);
  assert.equal(bus.hasListeners('flow'), false, 'a counter is not a record listener');
  bus.tally('flow');
  bus.on('flow', (r) => seen.push(r));
  assert.equal(bus.hasListeners('flow'), true);
  bus.emit('flow', { event_type: 'flow', timestamp: '2020-01-01T00:00:00Z', n: 1 });
  bus.tally('alert');
  assert.equal(counted, 2);
  assert.deepEqual(seen, [{ event_type: 'flow', timestamp: '2020-01-01T00:00:00Z', n: 1 }]);
  assert.equal(bus.count('flow'), 2);
  assert.equal(bus.count('alert'), 1);
});
