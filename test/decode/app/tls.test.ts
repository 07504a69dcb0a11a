/**
 * decodeTlsClientHello against PcapPlusPlus' JA3 report, tshark's JA3 and SNI,
 * and Suricata's JA4 expectations, on real captures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { App, Layers } from '../../../src/decode/packet.js';
import { decodeTlsClientHello } from '../../../src/decode/app/tls.js';
import { corpusFile, needShared, needTool } from '../../helpers/env.js';
import { cell, cells, hexBytes, tsharkRows } from './tshark.js';

const FIELDS = ['frame.number', 'tcp.payload', 'tls.handshake.ja3_full', 'tls.handshake.ja3', 'tls.handshake.extensions_server_name', 'tls.handshake.extensions_alpn_str'];

function clientHellos(file: string): Map<string, string>[] {
  return tsharkRows(file, 'tls.handshake.type==1 && tcp', FIELDS);
}

test('JA3 of every ClientHello in tls2.pcap matches PcapPlusPlus (string and MD5)', (t) => {
  if (!needShared(t) || !needTool(t, 'tshark')) return;
  const expected = readFileSync(corpusFile('pcapplusplus/tls2.ja3-clienthello.txt'), 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line !== '')
    .map((line) => line.split('\t').slice(0, 2).join(' '))
    .sort();
  const l = new Layers();
  const ours: string[] = [];
  for (const r of clientHellos('pcapplusplus/tls2.pcap')) {
    const p = hexBytes(cell(r, 'tcp.payload'));
    l.reset();
    if (decodeTlsClientHello(l, p, 0, p.length) && l.tls.ja3Hash !== '') ours.push(`${l.tls.ja3Hash} ${l.tls.ja3}`);
  }
  ours.sort();
  t.diagnostic(`${ours.length} ClientHellos decoded, PcapPlusPlus lists ${expected.length}`);
  assert.equal(expected.length, 323);
  assert.deepEqual(ours, expected);
});

test('JA3, JA3 MD5 and SNI agree with tshark on several TLS captures', (t) => {
  if (!needShared(t) || !needTool(t, 'tshark')) return;
  const l = new Layers();
  let n = 0;
  for (const f of ['zeek/tls/tls13-ech.pcap', 'zeek/tls/tls-conn-with-extensions.pcap', 'zeek/tls/chrome-63.0.3211.0-canary-tls_experiment.pcap', 'pcapplusplus/many-protocols.pcap', 'ndpi/ja3_lots_of_cipher_suites.pcap', 'nfstream/tor.pcap']) {
    for (const r of clientHellos(f)) {
      const p = hexBytes(cell(r, 'tcp.payload'));
      l.reset();
      assert.equal(decodeTlsClientHello(l, p, 0, p.length), true, `${f} #${cell(r, 'frame.number')}`);
      assert.equal(l.app, App.TlsClientHello);
      assert.equal(l.tls.ja3, cell(r, 'tls.handshake.ja3_full'), `${f} #${cell(r, 'frame.number')}`);
      assert.equal(l.tls.ja3Hash, cell(r, 'tls.handshake.ja3'));
      assert.equal(l.tls.sni, cell(r, 'tls.handshake.extensions_server_name'));
      assert.deepEqual(l.tls.alpn, cells(r, 'tls.handshake.extensions_alpn_str'));
      n++;
    }
  }
  t.diagnostic(`${n} ClientHellos agree with tshark`);
  assert.ok(n > 30);
});

test('JA4 matches Suricata expectations (suricata-verify ja4-tls, ja4-tls-quic TCP part)', (t) => {
  if (!needShared(t) || !needTool(t, 'tshark')) return;
  const l = new Layers();
  for (const [file, want] of [
    ['suricata-verify/ja4-tls.pcap', 't12i1810s1_27d4652c4487_06a4338d0495'],
    ['suricata-verify/ja4-tls-quic.pcap', 't13d1516h2_8daaf6152771_e5627efa2ab1'],
  ] as const) {
    const yaml = readFileSync(corpusFile(file.replace(/\.pcap$/, '.suricata-verify.test.yaml')), 'utf8');
    assert.ok(yaml.includes(`tls.ja4: ${want}`), 'expectation taken from the suricata-verify file');
    const got = clientHellos(file).map((r) => {
      const p = hexBytes(cell(r, 'tcp.payload'));
      l.reset();
      decodeTlsClientHello(l, p, 0, p.length);
      return l.tls.ja4;
    });
    assert.deepEqual(got, [want]);
  }
});

test('a ClientHello cut at any length is flagged truncated, without fingerprints, never malformed', (t) => {
  if (!needShared(t) || !needTool(t, 'tshark')) return;
  const [r] = clientHellos('suricata-verify/ja4-tls.pcap');
  assert.ok(r);
  const p = hexBytes(cell(r, 'tcp.payload'));
  const l = new Layers();
  l.reset();
  assert.equal(decodeTlsClientHello(l, p, 0, p.length), true);
  const sni = l.tls.sni;
  for (let n = 0; n < p.length; n++) {
    l.reset();
    const isCh = decodeTlsClientHello(l, p, 0, n);
    assert.equal(isCh, n >= 6, `cut at ${n}`);
    if (!isCh) continue;
    assert.equal(l.truncated, true);
    assert.equal(l.malformed, null);
    assert.equal(l.tls.ja3, '');
    assert.equal(l.tls.ja4, '');
    assert.ok(l.tls.sni === '' || l.tls.sni === sni);
  }
});

test('non-ClientHello bytes are rejected without touching the layers', () => {
  const l = new Layers();
  for (const bytes of [[0x17, 3, 3, 0, 5, 1, 2, 3, 4, 5], [0x16, 3, 3, 0, 4, 2, 0, 0, 0], [0x47, 0x45, 0x54, 0x20, 0x2f, 0x20]]) {
    l.reset();
    assert.equal(decodeTlsClientHello(l, new Uint8Array(bytes), 0, bytes.length), false);
    assert.equal(l.app, App.None);
  }
});

test('adversarial ClientHello bodies never throw', () => {
  const l = new Layers();
  const b = new Uint8Array(400);
  let seed = 99;
  for (let round = 0; round < 3000; round++) {
    for (let i = 0; i < b.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      b[i] = seed >>> 24;
    }
    b.set([0x16, 3, 1, 1, 0x80, 1, 0, 1, 0x7c], 0);
    l.reset();
    assert.equal(decodeTlsClientHello(l, b, 0, (round % 400) + 6), true);
  }
});
