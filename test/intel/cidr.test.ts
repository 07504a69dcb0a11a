import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CidrTrie } from '../../src/intel/cidr.js';
import { parseCidr, parseIp } from '../../src/intel/ip.js';
import { specialBlockV4, specialBlockWords } from '../../src/intel/reserved.js';

function trie(...cidrs: string[]): CidrTrie<string> {
  const t = new CidrTrie<string>();
  for (const c of cidrs) t.add(parseCidr(c)!, c);
  return t;
}
const v4 = (s: string): number => parseIp(s)![3]!;

test('IPv4 prefixes match inside and not one address outside', () => {
  const t = trie('192.0.2.0/24', '10.0.0.0/8', '203.0.113.7');
  assert.equal(t.lookupV4(v4('192.0.2.0')), '192.0.2.0/24');
  assert.equal(t.lookupV4(v4('192.0.2.255')), '192.0.2.0/24');
  assert.equal(t.lookupV4(v4('192.0.3.0')), undefined);
  assert.equal(t.lookupV4(v4('192.0.1.255')), undefined);
  assert.equal(t.lookupV4(v4('10.255.255.255')), '10.0.0.0/8');
  assert.equal(t.lookupV4(v4('203.0.113.7')), '203.0.113.7');
  assert.equal(t.lookupV4(v4('203.0.113.8')), undefined);
  assert.equal(t.lookupWords(parseIp('::ffff:10.1.2.3')!), '10.0.0.0/8', 'the word form finds IPv4 too');
});

test('IPv6 prefixes, /0 and host routes', () => {
  const t = trie('2001:db8::/32', '2001:db8:1::5/128');
  assert.equal(t.lookupWords(parseIp('2001:db8:ffff::1')!), '2001:db8::/32');
  assert.equal(t.lookupWords(parseIp('2001:db9::')!), undefined);
  assert.equal(t.lookupWords(parseIp('2001:db8:1::5')!), '2001:db8::/32', 'the covering (shorter) prefix wins');
  const all = trie('::/0');
  assert.equal(all.lookupWords(parseIp('fe80::1')!), '::/0');
  assert.equal(all.lookupV4(v4('1.2.3.4')), '::/0');
});

test('matches agree with a plain bit comparison (property test)', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })), { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 0xffffffff }), (nets, addr) => {
      const t = new CidrTrie<number>();
      nets.forEach(([a, len], i) => t.add(parseCidr(`${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/${len}`)!, i));
      const inNet = ([a, len]: [number, number]): boolean => len === 0 || a >>> (32 - len) === addr >>> (32 - len);
      assert.equal(t.lookupV4(addr) !== undefined, nets.some(inNet));
    }),
    { numRuns: 300 },
  );
});

test('address parsing: IPv4, IPv6 compressed forms, embedded IPv4, invalid input', () => {
  assert.deepEqual(Array.from(parseIp('1.2.3.4')!), [0, 0, 0xffff, 0x01020304]);
  assert.deepEqual(Array.from(parseIp('2001:db8::1')!), [0x20010db8, 0, 0, 1]);
  assert.deepEqual(Array.from(parseIp('::ffff:1.2.3.4')!), [0, 0, 0xffff, 0x01020304]);
  assert.deepEqual(Array.from(parseIp('::')!), [0, 0, 0, 0]);
  assert.equal(parseIp('1.2.3'), null);
  assert.equal(parseIp('example.com'), null);
  assert.equal(parseCidr('10.0.0.0/33'), null);
  assert.equal(parseCidr('10.0.0.0/x'), null);
});

test('special-purpose addresses are recognised (never sent to AbuseIPDB)', () => {
  for (const a of ['10.1.2.3', '172.16.0.1', '192.168.1.1', '127.0.0.1', '169.254.1.1', '100.64.0.1', '224.0.0.251', '255.255.255.255', '198.18.0.1', '::1', 'fe80::1', 'fd00::1', 'ff02::1', '2001:db8::1']) {
    assert.notEqual(specialBlockWords(parseIp(a)!), undefined, a);
  }
  for (const a of ['8.8.8.8', '1.1.1.1', '2a00:1450:4001::200e', '172.32.0.1']) assert.equal(specialBlockWords(parseIp(a)!), undefined, a);
});

test('the IPv4 fast path (first-octet table, then the trie) gives the full look-up\'s block for every first octet, at both ends of each block', () => {
  let special = 0;
  for (let o = 0; o < 256; o++) {
    for (const rest of [0, 0x000001, 0x12ab34, 0x3fffff, 0x400000, 0x7fffff, 0x800000, 0xffffff, 0x126401, 0x584001, 0x3f0001]) {
      const v = ((o << 24) | rest) >>> 0;
      const words = [0, 0, 0xffff, v];
      const full = specialBlockWords(words);
      assert.equal(specialBlockV4(v), full, `${o}.x (${v.toString(16)})`);
      if (full !== undefined) special++;
    }
  }
  assert.ok(special > 100, 'special blocks were hit');
});

