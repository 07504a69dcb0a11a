/**
 * decodeQuicInitial against the RFC 9001 / RFC 9369 client Initial test
 * vectors, tshark's QUIC decryption (SNI, ALPN, JA3, CRYPTO frame layout) and
 * Suricata's JA4 expectation, on real captures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { App, Layers, Packet } from '../../../src/decode/packet.js';
import { Decoder } from '../../../src/decode/decoder.js';
import { openCaptureFile } from '../../../src/capture/open.js';
import { decodeQuicInitial } from '../../../src/decode/app/quic.js';
import { QUIC_V1, QUIC_V2, clientInitialKeys, quicVersionParams } from '../../../src/decode/app/quic-keys.js';
import { parseHandshake, resetClientHello } from '../../../src/decode/app/tls.js';
import { ROOT, corpusFile, needShared, needTool } from '../../helpers/env.js';
import { cell, cells, hexBytes, tsharkRows } from './tshark.js';

/** RFC 9001 A.2: the unprotected payload starts with this CRYPTO frame (offset 0, 241 bytes), then PADDING. */
const RFC_CRYPTO_FRAME =
  '060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868' +
  '04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578' +
  '616d706c652e636f6dff01000100000a00080006001d00170018001000070005' +
  '04616c706e000500050100000000003300260024001d00209370b2c9caa47fba' +
  'baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400' +
  '0d0010000e0403050306030203080408050806002d00020101001c0002400100' +
  '3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000' +
  '75300901100f088394c8f03e51570806048000ffff';

/** RFC 9001 A.2: the protected client Initial (QUIC v1, DCID 8394c8f03e515708, packet number 2). */
const RFC9001_CLIENT_INITIAL =
  'c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11' +
  'd242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399' +
  '1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c' +
  '8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212' +
  '30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5' +
  '457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208' +
  '4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec' +
  '4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3' +
  '485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db' +
  '059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c' +
  '7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8' +
  '9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556' +
  'be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74' +
  '68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a' +
  'c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00' +
  'f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632' +
  '291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964' +
  '25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd' +
  '14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff' +
  'ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198' +
  'e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd' +
  'c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73' +
  '203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f' +
  'cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e' +
  'fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade' +
  'a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047' +
  '90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2' +
  '162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4' +
  '40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0' +
  '6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e' +
  '8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0' +
  'be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400' +
  '54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab' +
  '760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9' +
  'f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4' +
  '056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064' +
  '7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241' +
  'e221af44860018ab0856972e194cd934';

/** RFC 9369 A.2: the same ClientHello in a QUIC v2 client Initial. */
const RFC9369_CLIENT_INITIAL =
  'd76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485' +
  'dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04' +
  '9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d' +
  '250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a' +
  '12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500' +
  'cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68' +
  '18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33' +
  '12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3' +
  'd396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd' +
  '6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520' +
  'bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045' +
  '636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f' +
  'ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12' +
  '16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5' +
  '4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4' +
  'fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b' +
  '8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7' +
  '14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9' +
  '9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91' +
  'abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd' +
  '80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db' +
  '848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18' +
  'd703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15' +
  'c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc' +
  '7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61' +
  'f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710' +
  '10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b' +
  '3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e' +
  '06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce' +
  '8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1' +
  '34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1' +
  'e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd' +
  '5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3' +
  '8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89' +
  'd5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53' +
  '6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19' +
  '9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b' +
  'a18b2faa745b6fe189cf772a9f84cbfc';

const CHROMIUM_CAPTURE = join(ROOT, 'test', 'decode', 'app', 'fixtures', 'chromium-quic-initials.pcap');

/** The ClientHello of the RFC's plaintext, decoded without any QUIC code: the reference. */
function rfcClientHello(): Layers {
  const frame = hexBytes(RFC_CRYPTO_FRAME);
  const l = new Layers();
  resetClientHello(l.tls);
  parseHandshake(l, frame, 4, frame.length, false, 'q');
  return l;
}

function decodeFresh(bytes: Uint8Array, udpLength = 0, len = bytes.length): { l: Layers; ok: boolean } {
  const l = new Layers();
  l.reset();
  l.udpLength = udpLength;
  const ok = decodeQuicInitial(l, bytes, 0, len);
  return { l, ok };
}

test('client Initial keys match RFC 9001 A.1 and RFC 9369 A.1', () => {
  const dcid = hexBytes('8394c8f03e515708');
  for (const [version, key, iv, hp] of [
    [QUIC_V1, '1f369613dd76d5467730efcbe3b1a22d', 'fa044b2f42a3fd3b46fb255c', '9f50449e04a0e810283a1e9933adedd2'],
    [QUIC_V2, '8b1a0bc121284290a29e0971b5cd045d', '91f73e2351d8fa91660e909f', '45b95e15235d6f45a6b19cbcb0294ba9'],
  ] as const) {
    const v = quicVersionParams(version);
    assert.ok(v !== null);
    const k = clientInitialKeys(v, dcid, 0, dcid.length);
    assert.deepEqual([k.key.toString('hex'), k.iv.toString('hex'), k.hp.toString('hex')], [key, iv, hp]);
  }
  assert.equal(quicVersionParams(0xff00001c), null);
});

test('RFC 9001 A.2 and RFC 9369 A.2 client Initials decrypt to the RFC ClientHello', () => {
  const want = rfcClientHello();
  assert.equal(want.tls.sni, 'example.com');
  for (const [name, hex] of [['v1', RFC9001_CLIENT_INITIAL], ['v2', RFC9369_CLIENT_INITIAL]] as const) {
    const pkt = hexBytes(hex);
    assert.equal(pkt.length, 1200);
    const { l, ok } = decodeFresh(pkt);
    assert.equal(ok, true, name);
    assert.equal(l.malformed, null, name);
    assert.equal(l.truncated, false, name);
    assert.equal(l.app, App.TlsClientHello, name);
    assert.equal(l.tls.overQuic, true);
    assert.deepEqual(l.tls, want.tls, name);
    assert.deepEqual(l.tls.alpn, ['alpn']);
    assert.deepEqual(l.tls.cipherSuites, [0x1301, 0x1302]);
    assert.match(l.tls.ja4, /^q13d0211an_/);
  }
});

test('RFC 9001 A.2: a flipped bit in the protected payload or the DCID fails authentication quietly', () => {
  const pkt = hexBytes(RFC9001_CLIENT_INITIAL);
  for (const at of [7, 30, 100, 600, 1199]) {
    const bad = pkt.slice();
    bad[at]! ^= 0x01;
    const { l, ok } = decodeFresh(bad);
    assert.equal(ok, false, `byte ${at}`);
    assert.equal(l.app, App.None);
    assert.equal(l.malformed, null);
    assert.equal(l.truncated, false);
  }
  // The input buffer is only read: header protection is removed on a copy.
  const copy = pkt.slice();
  decodeFresh(copy);
  assert.deepEqual(copy, pkt);
});

test('RFC 9001 A.2 cut at every length: snaplen cuts are truncated, lying lengths malformed, nothing throws', () => {
  const pkt = hexBytes(RFC9001_CLIENT_INITIAL);
  const want = rfcClientHello();
  let sniSeen = 0;
  for (let n = 0; n < pkt.length; n++) {
    // Captured n bytes of a 1200-byte datagram (UDP length says 1208).
    const cut = decodeFresh(pkt, 1208, n);
    assert.equal(cut.l.malformed, null, `cut at ${n}`);
    if (cut.ok) assert.equal(cut.l.truncated, true, `cut at ${n}`);
    // A header readable up to the token length is a (cut) QUIC Initial.
    assert.equal(cut.ok, n >= 16, `cut at ${n}`);
    if (cut.l.app === App.TlsClientHello) {
      // Fingerprints only once the whole ClientHello (CRYPTO bytes 0..241) was captured.
      assert.equal(cut.l.tls.ja4, n >= 22 + 4 + 241 ? want.tls.ja4 : '', `cut at ${n}`);
      if (cut.l.tls.sni !== '') {
        assert.equal(cut.l.tls.sni, want.tls.sni);
        sniSeen++;
      }
    }
    // The datagram really ends at n: the Length field lies.
    const short = decodeFresh(pkt, 8 + n, n);
    if (short.ok) assert.ok(short.l.malformed !== null, `short datagram of ${n}`);
  }
  assert.ok(sniSeen > 1000, `SNI recovered from ${sniSeen} cut packets`);
});

test('not QUIC Initials: short headers, other long-header types, unknown versions, random bytes', () => {
  const pkt = hexBytes(RFC9001_CLIENT_INITIAL);
  const cases: Uint8Array[] = [];
  for (const first of [0x40, 0x41, 0xd0, 0xe0, 0xf0]) {
    const c = pkt.slice();
    c[0] = first;
    cases.push(c);
  }
  const unknownVersion = pkt.slice();
  unknownVersion[4] = 2;
  cases.push(unknownVersion);
  const v2TypeOnV1 = hexBytes(RFC9369_CLIENT_INITIAL);
  v2TypeOnV1.set([0, 0, 0, 1], 1);
  cases.push(v2TypeOnV1);
  const longCid = pkt.slice();
  longCid[5] = 21;
  cases.push(longCid);
  for (const c of cases) {
    const { l, ok } = decodeFresh(c);
    assert.equal(ok, false);
    assert.equal(l.app, App.None);
    assert.equal(l.malformed, null);
  }
  const b = new Uint8Array(1300);
  let seed = 7;
  for (let round = 0; round < 2000; round++) {
    for (let i = 0; i < b.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      b[i] = seed >>> 24;
    }
    b.set([0xc3, 0, 0, 0, 1, 8], 0);
    const n = (round * 7) % 1300;
    decodeFresh(b, round % 2 === 0 ? 0 : 1308, n);
  }
});

const QUIC_FIELDS = ['frame.number', 'udp.payload', 'udp.length', 'quic.dcid', 'tls.handshake.extensions_server_name', 'tls.handshake.extensions_alpn_str', 'tls.handshake.ja3_full'];

test('SNI, ALPN and JA3 agree with tshark on every QUIC ClientHello of the corpus; JA4 matches Suricata', (t) => {
  if (!needShared(t) || !needTool(t, 'tshark')) return;
  const yaml = readFileSync(corpusFile('suricata-verify/ja4-tls-quic.suricata-verify.test.yaml'), 'utf8');
  const suricataJa4 = /quic\.ja4: (\S+)/.exec(yaml)?.[1];
  assert.equal(suricataJa4, 'q13d0310h3_55b375c5d22e_cd85d2d88918');
  let n = 0;
  const ja4s: string[] = [];
  for (const f of ['suricata-verify/ja4-tls-quic.pcap', 'tcpdump/quic_handshake.pcap']) {
    for (const r of tsharkRows(f, 'quic && tls.handshake.type==1', QUIC_FIELDS)) {
      const where = `${f} #${cell(r, 'frame.number')}`;
      const { l, ok } = decodeFresh(hexBytes(cell(r, 'udp.payload')), Number(cell(r, 'udp.length')));
      assert.equal(ok, true, where);
      assert.equal(l.malformed, null, where);
      assert.equal(l.truncated, false, where);
      assert.equal(l.app, App.TlsClientHello, where);
      assert.equal(l.tls.sni, cell(r, 'tls.handshake.extensions_server_name'), where);
      assert.deepEqual(l.tls.alpn, cells(r, 'tls.handshake.extensions_alpn_str'), where);
      assert.equal(l.tls.ja3, cell(r, 'tls.handshake.ja3_full'), where);
      if (f.startsWith('suricata')) ja4s.push(l.tls.ja4);
      n++;
    }
  }
  t.diagnostic(`${n}/${n} QUIC ClientHellos agree with tshark on SNI, ALPN and JA3`);
  assert.equal(n, 2);
  assert.deepEqual(ja4s, [suricataJa4]);
});

test('quic_handshake_truncated (snaplen 256): SNI and ALPN recovered unauthenticated, flagged truncated', (t) => {
  if (!needShared(t) || !needTool(t, 'tshark')) return;
  const full = tsharkRows('tcpdump/quic_handshake.pcap', 'quic && tls.handshake.type==1', QUIC_FIELDS)[0];
  assert.ok(full);
  // tshark cannot open a cut Initial (no AEAD tag): the reference is the same client's uncut capture.
  const rows = tsharkRows('tcpdump/quic_handshake_truncated.pcap', 'udp.dstport==443 && quic.long.packet_type==0', QUIC_FIELDS);
  assert.equal(rows.length, 2);
  const [first, second] = rows;
  const a = decodeFresh(hexBytes(cell(first!, 'udp.payload')), Number(cell(first!, 'udp.length')));
  assert.equal(a.ok, true);
  assert.equal(a.l.truncated, true);
  assert.equal(a.l.malformed, null);
  assert.equal(a.l.app, App.TlsClientHello);
  assert.equal(a.l.tls.sni, cell(full, 'tls.handshake.extensions_server_name'));
  assert.deepEqual(a.l.tls.alpn, cells(full, 'tls.handshake.extensions_alpn_str'));
  assert.equal(a.l.tls.ja4, '');
  // The client's second Initial is keyed from its first DCID, which it no longer carries.
  const b = decodeFresh(hexBytes(cell(second!, 'udp.payload')), Number(cell(second!, 'udp.length')));
  assert.equal(b.l.app, App.None);
  assert.equal(b.l.malformed, null);
});

test('server Initials and the client second Initial are not readable statelessly and are left alone', (t) => {
  if (!needShared(t) || !needTool(t, 'tshark')) return;
  let n = 0;
  for (const f of ['suricata-verify/ja4-tls-quic.pcap', 'tcpdump/quic_handshake.pcap']) {
    for (const r of tsharkRows(f, 'quic.long.packet_type==0 && !(tls.handshake.type==1)', QUIC_FIELDS)) {
      const { l, ok } = decodeFresh(hexBytes(cell(r, 'udp.payload')), Number(cell(r, 'udp.length')));
      assert.equal(ok, false, `${f} #${cell(r, 'frame.number')}`);
      assert.equal(l.app, App.None);
      assert.equal(l.malformed, null);
      n++;
    }
  }
  assert.ok(n >= 3, `${n} Initials`);
});

test('Chromium ClientHello split over two Initials in scattered CRYPTO frames: prefix decoded, truncated', (t) => {
  if (!needTool(t, 'tshark')) return;
  const args = ['-n', '-r', CHROMIUM_CAPTURE, '-Y', 'quic.long.packet_type==0', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=;'];
  const fields = ['frame.number', 'udp.payload', 'udp.length', 'quic.dcid', 'quic.crypto.offset', 'quic.crypto.length', 'tls.handshake.ciphersuite', 'tls.handshake.extension.type'];
  const rows = tsharkRowsAbs(args, fields);
  assert.ok(rows.length >= 8, `${rows.length} Initials in the capture`);
  // tshark reassembles each connection's ClientHello over its packets; index its full lists by DCID.
  const fullByDcid = new Map<string, { ciphers: number[]; exts: number[] }>();
  for (const r of rows) {
    const ciphers = list(r.get('tls.handshake.ciphersuite')!);
    if (ciphers.length > 0) fullByDcid.set(r.get('quic.dcid')!, { ciphers, exts: list(r.get('tls.handshake.extension.type')!) });
  }
  assert.ok(fullByDcid.size >= 1);
  let starts = 0;
  let compared = 0;
  for (const r of rows) {
    const where = `frame ${r.get('frame.number')}`;
    const { l, ok } = decodeFresh(hexBytes(r.get('udp.payload')!), Number(r.get('udp.length')));
    // GCM authenticated with keys from the packet's own DCID: header, header protection and keys are right.
    assert.equal(ok, true, where);
    assert.equal(l.malformed, null, where);
    const offsets = list(r.get('quic.crypto.offset')!);
    const hasStart = offsets.includes(0);
    assert.equal(l.app === App.TlsClientHello, hasStart, where);
    if (!hasStart) continue;
    starts++;
    assert.equal(l.truncated, true, where);
    assert.equal(l.tls.ja4, '', where);
    assert.equal(l.tls.version, 0x0303, where);
    const full = fullByDcid.get(r.get('quic.dcid')!);
    if (full === undefined) continue;
    // What we decoded from the contiguous prefix must be the start of tshark's reassembled ClientHello.
    assert.deepEqual(l.tls.cipherSuites, full.ciphers.slice(0, l.tls.cipherSuites.length), where);
    assert.deepEqual(l.tls.extensions, full.exts.slice(0, l.tls.extensions.length), where);
    if (l.tls.cipherSuites.length > 0) compared++;
  }
  t.diagnostic(`${rows.length} Chromium Initials authenticated, ${starts} ClientHello starts decoded, ${compared} compared with tshark's reassembly`);
  assert.ok(starts >= 3);
  assert.ok(compared >= 1);
});

test('the packet decoder dispatches UDP 443 long headers to the QUIC decoder', async (t) => {
  if (!needShared(t)) return;
  const decoder = new Decoder();
  const seen: string[] = [];
  for (const f of [corpusFile('suricata-verify/ja4-tls-quic.pcap'), corpusFile('tcpdump/quic_handshake.pcap'), CHROMIUM_CAPTURE]) {
    const src = await openCaptureFile(f);
    const p = new Packet();
    let n = 0;
    await src.run((frame) => {
      n++;
      decoder.decode(frame, p);
      assert.equal(p.malformed, null);
      if (p.app === App.TlsClientHello && p.tls.overQuic) seen.push(`${n}:${p.tls.sni}:${p.tls.ja4}`);
    });
  }
  assert.deepEqual(seen.slice(0, 2), ['47:cloudflare-quic.com:q13d0310h3_55b375c5d22e_cd85d2d88918', '1:localhost:q13d0311h3_55b375c5d22e_0e9637bee5d3']);
  assert.ok(seen.length >= 5);
});

function list(cellText: string): number[] {
  return cellText === '' ? [] : cellText.split(';').map((x) => Number(x));
}

/** tshark rows for a capture outside the corpus (the committed Chromium fixture). */
function tsharkRowsAbs(args: string[], fields: string[]): Map<string, string>[] {
  const full = [...args];
  for (const f of fields) full.push('-e', f);
  const r = spawnSync('tshark', full, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`tshark failed on ${CHROMIUM_CAPTURE}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const c = line.split('\t');
      return new Map(fields.map((f, i) => [f, c[i] ?? '']));
    });
}
