import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDetectConfig } from '../../src/detect/config.js';
import { DnsDetector, PrototypeDnsDetector } from '../../src/detect/dns.js';
import { DnsModel, registeredDomain } from '../../src/detect/dns-model.js';
import { prototypeDnsReason, tunnelShape } from '../../src/detect/dns-rules.js';
import { shippedDnsModelPath } from '../../src/detect/build.js';
import { Harness, dns, eth, ip, udp } from './frames.js';

const cfg = defaultDetectConfig();
const noSuppress = { suppress: { ...cfg.suppress, enabled: false } };
const model = DnsModel.fromFile(shippedDnsModelPath());

function query(name: string, qtype = 1, client = '198.18.0.1'): Uint8Array {
  return eth(ip(client, '198.18.0.53', udp({ sport: 40000, dport: 53, payload: dns({ name, qtype }) })));
}
function response(name: string, o: { qtype?: number; rcode?: number; answers?: Uint8Array[]; client?: string } = {}): Uint8Array {
  return eth(ip('198.18.0.53', o.client ?? '198.18.0.1', udp({ sport: 53, dport: 40000, payload: dns({ name, response: true, ...o }) })));
}

test('prototype heuristics at their bounds', () => {
  const p = cfg.dns.prototype;
  // 10 chars with 2 vowels fires; 9 chars does not; 10 chars with 3 vowels does not.
  assert.notEqual(prototypeDnsReason('bcdfghjkae.com', p), null);
  assert.equal(prototypeDnsReason('bcdfghjae.com', p), null);
  assert.equal(prototypeDnsReason('bcdfghjaei.com', p), null);
  assert.match(prototypeDnsReason('example.xyz', p)!, /\.xyz/);
  // Name length 20 is fine, 21 fires.
  assert.equal(prototypeDnsReason('a'.repeat(16) + '.com', p), null);
  assert.match(prototypeDnsReason('a'.repeat(17) + '.com', p)!, /length 21 > 20/);
});

test('prototype detector checks query names only, one alert per matching question', () => {
  const h = new Harness([new PrototypeDnsDetector(cfg.dns)], noSuppress);
  h.feed(query('good.com'), 1);
  h.feed(query('zrdvjhwmswmjnm.xyz'), 2);
  h.feed(response('zrdvjhwmswmjnm.xyz', { rcode: 5 }), 3);
  assert.deepEqual(h.signatures(), ['Suspicious DNS Query']);
  assert.equal(h.alerts[0]!.wirewatch.evidence.query, 'zrdvjhwmswmjnm.xyz');
  assert.equal(h.alerts[0]!.src_ip, '198.18.0.1');
});

test('registered domains use the public suffix list, private suffixes included', () => {
  assert.equal(registeredDomain('www.bbc.co.uk'), 'bbc.co.uk');
  assert.equal(registeredDomain('abc.ddns.net'), 'abc.ddns.net');
  assert.equal(registeredDomain('a.b.t1.biillpi.com'), 'biillpi.com');
});

test('model: common names score below their threshold, random-character names above', () => {
  for (const n of ['wikipedia.org', 'stackoverflow.com', 'microsoft.com', 'facebook.com', 'weatherforecast.com']) {
    assert.ok(!model.isDga(n), `${n} margin ${model.margin(n)}`);
  }
  for (const n of ['xjwqkzvbtrplmn.com', 'qzkxjvwpfhgtrb.net', 'kq7x9zvw2jh4tp.biz']) assert.ok(model.isDga(n), `${n} margin ${model.margin(n)}`);
  assert.ok(Number.isNaN(model.margin('abc.com')), 'labels shorter than minLabelLength are not scored');
});

test('DGA alert fires exactly when the score reaches the configured threshold', () => {
  const name = 'xjwqkzvbtrplmn.com';
  const score = model.scoreLabel('xjwqkzvbtrplmn');
  const at = new Harness([new DnsDetector({ ...cfg.dns, dga: { ...cfg.dns.dga, threshold: score } }, model)], noSuppress);
  at.feed(query(name), 1);
  assert.equal(at.count('DGA-like DNS Query Name'), 1);
  const above = new Harness([new DnsDetector({ ...cfg.dns, dga: { ...cfg.dns.dga, threshold: score + 1e-9 } }, model)], noSuppress);
  above.feed(query(name), 1);
  assert.equal(above.count('DGA-like DNS Query Name'), 0);
});

test('tunnel shape: label of 39 chars is fine, 40 fires; hex and base32 encodings are recognised', () => {
  const t = cfg.dns.tunnel;
  assert.equal(tunnelShape(`${'abcdefghij'.repeat(3)}abcdefghi.example.com`, { ...t, encodedMinLength: 64 }), null);
  assert.match(tunnelShape(`${'abcdefghij'.repeat(4)}.example.com`, t)!.reason, /label of 40 chars/);
  assert.match(tunnelShape('147901b8d3df9cc46c59d600078b3316ce.biillpi.com', t)!.reason, /encoded label/);
  assert.equal(tunnelShape('www.example.com', t), null);
  assert.equal(tunnelShape('mail-eu-west-1.example.com', t), null);
});

test('unique subdomains per registered domain: 49 silent, 50 fires once', () => {
  const h = new Harness([new DnsDetector(cfg.dns, null)], noSuppress);
  for (let i = 0; i < 49; i++) h.feed(query(`h${i}.example.com`), 1 + i * 0.01);
  assert.equal(h.count('DNS Tunnelling: Many Unique Subdomains'), 0);
  h.feed(query('h49.example.com'), 2);
  h.feed(query('h50.example.com'), 2.1);
  assert.equal(h.count('DNS Tunnelling: Many Unique Subdomains'), 1);
  assert.equal(h.alerts[0]!.wirewatch.evidence.registered_domain, 'example.com');
});

test('TXT/NULL answers per registered domain: 9 silent, 10 fires', () => {
  const h = new Harness([new DnsDetector(cfg.dns, null)], noSuppress);
  const txt = Uint8Array.of(5, 104, 101, 108, 108, 111);
  for (let i = 0; i < 9; i++) h.feed(response(`q${i}.t.example.org`, { qtype: 16, answers: [txt] }), 1);
  assert.equal(h.count('DNS Tunnelling: Many TXT/NULL Records'), 0);
  h.feed(response('q9.t.example.org', { qtype: 10, answers: [txt] }), 2);
  assert.equal(h.count('DNS Tunnelling: Many TXT/NULL Records'), 1);
  assert.equal(h.alerts[0]!.src_ip, '198.18.0.1', 'the client is the source');
});

test('NXDOMAIN burst per client: 19 silent, 20 fires; another client is counted apart; the window resets', () => {
  const h = new Harness([new DnsDetector(cfg.dns, null)], noSuppress);
  for (let i = 0; i < 19; i++) h.feed(response(`n${i}.example.net`, { rcode: 3 }), 10 + i);
  h.feed(response('x.example.net', { rcode: 3, client: '198.18.0.9' }), 30);
  assert.equal(h.count('NXDOMAIN Burst'), 0);
  h.feed(response('n19.example.net', { rcode: 3 }), 31);
  assert.equal(h.count('NXDOMAIN Burst'), 1);
  assert.equal(h.alerts[0]!.src_ip, '198.18.0.1');
  // 60 s later a new window starts: 19 more do not fire again.
  for (let i = 0; i < 19; i++) h.feed(response(`m${i}.example.net`, { rcode: 3 }), 80 + i);
  assert.equal(h.count('NXDOMAIN Burst'), 1);
});

test('domain table is bounded and counts evictions', () => {
  const h = new Harness([new DnsDetector({ ...cfg.dns, tunnel: { ...cfg.dns.tunnel, maxDomains: 100 } }, null)], noSuppress);
  for (let i = 0; i < 300; i++) h.feed(query(`a.d${i}.com`), 1);
  const s = h.stage.stats();
  assert.equal(s['dns.domains'], 100);
  assert.equal(s['dns.domainsEvicted'], 200);
});
