/**
 * decodeHttpRequest against tshark's http.request.* fields on the corpus HTTP
 * captures, for requests that fit one segment (tshark reassembles the others).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, Layers } from '../../../src/decode/packet.js';
import { decodeHttpRequest } from '../../../src/decode/app/http.js';
import { needShared, needTool } from '../../helpers/env.js';
import { cell, hexBytes, tsharkRows } from './tshark.js';

const FIELDS = ['frame.number', 'tcp.payload', 'http.request.method', 'http.request.uri', 'http.request.version', 'http.host', 'http.user_agent', 'tcp.reassembled_in', 'tcp.segment.count'];

test('request line, Host and User-Agent agree with tshark', (t) => {
  if (!needShared(t) || !needTool(t, 'tshark')) return;
  const l = new Layers();
  let ok = 0;
  const diffs: string[] = [];
  for (const f of ['zeek/http/get.pcap', 'zeek/http/methods.pcap', 'zeek/http/pipelined-requests.pcap', 'zeek/mixed-vlan-mpls.pcap', 'tcpdump/print-flags.pcap', 'ndpi/1kxun.pcap']) {
    for (const r of tsharkRows(f, 'http.request && tcp && !tcp.segment.count', FIELDS)) {
      const p = hexBytes(cell(r, 'tcp.payload'));
      l.reset();
      const got = decodeHttpRequest(l, p, 0, p.length);
      const ours = got ? [l.http.method, l.http.uri, l.http.version, l.http.host, l.http.userAgent] : [];
      const theirs = [cell(r, 'http.request.method'), cell(r, 'http.request.uri'), cell(r, 'http.request.version'), cell(r, 'http.host'), cell(r, 'http.user_agent')];
      if (JSON.stringify(ours) === JSON.stringify(theirs)) ok++;
      else diffs.push(`${f} #${cell(r, 'frame.number')}: ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`);
    }
  }
  t.diagnostic(`${ok}/${ok + diffs.length} requests agree; differences: ${diffs.slice(0, 5).join(' | ')}`);
  // Known: methods.pcap holds deliberately odd request lines ("OPTIONS" alone, "CCM_POST /HTTP/1.1").
  assert.ok(diffs.length <= 2, diffs.slice(0, 10).join('\n'));
  assert.ok(ok > 150);
});

test('responses, TLS and binary payloads are not requests', (t) => {
  if (!needShared(t) || !needTool(t, 'tshark')) return;
  const l = new Layers();
  let n = 0;
  for (const r of tsharkRows('zeek/http/get.pcap', 'tcp.len > 0 && !http.request', ['tcp.payload'])) {
    const p = hexBytes(cell(r, 'tcp.payload'));
    l.reset();
    assert.equal(decodeHttpRequest(l, p, 0, p.length), false);
    assert.equal(l.app, App.None);
    n++;
  }
  assert.ok(n > 3);
});

test('header names are case-insensitive, values trimmed, the scan is bounded', () => {
  const l = new Layers();
  const req = Buffer.from('POST /a?b=1 HTTP/1.0\r\nhOsT:  example.org \r\nUSER-AGENT:\tcurl/8\r\n\r\nbody');
  assert.equal(decodeHttpRequest(l, req, 0, req.length), true);
  assert.deepEqual([l.http.method, l.http.uri, l.http.version, l.http.host, l.http.userAgent], ['POST', '/a?b=1', 'HTTP/1.0', 'example.org', 'curl/8']);
  const late = Buffer.concat([Buffer.from('GET / HTTP/1.1\r\nX: '), Buffer.alloc(9000, 0x61), Buffer.from('\r\nHost: far\r\n\r\n')]);
  l.reset();
  assert.equal(decodeHttpRequest(l, late, 0, late.length), true);
  assert.equal(l.http.host, '');
  const cut = Buffer.from('GET /only-part-of-the-line');
  l.reset();
  assert.equal(decodeHttpRequest(l, cut, 0, cut.length), false);
});
