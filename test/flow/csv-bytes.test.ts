/** CsvBytes writes numbers exactly as String() does (0 for NaN/Infinity), and text fields quoted as RFC 4180 wants. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CsvBytes } from '../../src/flow/csv-bytes.js';
import { csvRow } from '../../src/flow/writer.js';
import type { FlowRecord } from '../../src/flow/record.js';
import { CIC_FEATURE_KEYS, EXTRA_COLUMNS } from '../../src/flow/columns.js';

function numText(v: number): string {
  const out = new CsvBytes(4);
  out.num(v);
  return out.take();
}

function textOf(s: string): string {
  const out = new CsvBytes(4);
  out.text(s);
  return out.take();
}

test('numbers: the text of String(v) at every digit count, sign and int32/2^53 boundary', () => {
  const vals = [0, -0, 1, -1, 9, 10, 99, 100, 2 ** 31 - 1, -(2 ** 31 - 1), -(2 ** 31), 2 ** 31, 2 ** 32, 2 ** 53 - 1, -(2 ** 53 - 1)];
  vals.push(2 ** 53, 2 ** 53 + 2, 1e20, 1e21, -1e21, 0.1, -0.5, 1 / 3, 5e-7, 1e-7, 1.5e300, Number.MIN_VALUE);
  for (let p = 1; p < 1e16; p *= 10) vals.push(p - 1, p, p + 1, -p);
  // Multiples of 1e9 (±1) up to 2^53: where a rounded quotient by 1e9 could be one off.
  for (let k = 1; k < 9e6; k = Math.ceil(k * 1.3)) vals.push(k * 1e9 - 1, k * 1e9, k * 1e9 + 1);
  let seed = 12345;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 20000; i++) {
    vals.push(Math.floor(rnd() * 2 ** (rnd() * 60)) * (rnd() < 0.3 ? -1 : 1));
    vals.push(rnd() * 10 ** Math.floor(rnd() * 12));
  }
  for (const v of vals) assert.equal(numText(v), String(v), `String(${v})`);
  assert.equal(numText(Number.NaN), '0');
  assert.equal(numText(Infinity), '0');
  assert.equal(numText(-Infinity), '0');
});

test('text: plain, quoted (separators, quotes, line breaks) and UTF-8', () => {
  assert.equal(textOf(''), '');
  assert.equal(textOf('example.com'), 'example.com');
  assert.equal(textOf('a,b'), '"a,b"');
  assert.equal(textOf('say "hi"'), '"say ""hi"""');
  assert.equal(textOf('two\nlines'), '"two\nlines"');
  assert.equal(textOf('cr\r'), '"cr\r"');
  assert.equal(textOf('bücher.de'), 'bücher.de');
  assert.equal(textOf('ü,"'), '"ü,"""');
});

test('a row past the initial buffer size grows it and keeps every byte', () => {
  const out = new CsvBytes(8);
  const long = 'x'.repeat(1000);
  out.text('ab');
  out.comma();
  out.text(long);
  out.comma();
  out.num(1234567890123);
  assert.equal(out.take(), `ab,${long},1234567890123`);
});

test('csvRow reads a record with missing features key by key, with the defaults', () => {
  const features: Record<string, number | string> = { flow_duration: 5, community_id: '1:abc' };
  const rec = {
    event_type: 'flow',
    timestamp: '2020-01-01T00:00:00.000000Z',
    flow_id: 1,
    community_id: '1:abc',
    src_ip: '10.0.0.1',
    src_port: 1,
    dest_ip: '10.0.0.2',
    dest_port: 2,
    proto: 'UDP',
    app_proto: 'unknown',
    flow: { pkts_toserver: 1, pkts_toclient: 0, bytes_toserver: 60, bytes_toclient: 0, start: '2020-01-01T00:00:00.000000Z', end: '2020-01-01T00:00:00.000000Z', age: 0, state: 'new', reason: 'end_of_input' },
    features,
  } as FlowRecord;
  const cols = csvRow(rec, 'L').split(',');
  assert.equal(cols.length, 7 + CIC_FEATURE_KEYS.length + 1 + EXTRA_COLUMNS.length);
  assert.equal(cols[7], '5');
  assert.equal(cols[8], '0');
  assert.equal(cols[7 + CIC_FEATURE_KEYS.length], 'L');
  assert.equal(cols[7 + CIC_FEATURE_KEYS.length + 2], '1:abc');
  assert.equal(cols[cols.length - 1], '');
});
