/** Focused decoder cases that the corpus does not pin down on its own. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawFrame } from '../../src/capture/frame.js';
import { Decoder, LinkType } from '../../src/decode/decoder.js';
import { Csum, Encap, MAX_TUNNEL_DEPTH, Packet } from '../../src/decode/packet.js';
import { foldSum, sumWords } from '../../src/decode/checksum.js';

const decoder = new Decoder();

function decode(bytes: number[] | Uint8Array, linkType: number): Packet {
  const f = new RawFrame();
  f.data = Uint8Array.from(bytes);
  f.capLen = f.origLen = f.data.length;
  f.linkType = linkType;
  const p = new Packet();
  decoder.decode(f, p);
  return p;
}

/** IPv4 header (20 bytes, checksum filled in) for `proto` carrying `payloadLen` bytes. */
function ipv4(proto: number, payloadLen: number): number[] {
  const total = 20 + payloadLen;
  const h = [0x45, 0, total >> 8, total & 255, 0, 1, 0, 0, 64, proto, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2];
  const c = 0xffff - foldSum(sumWords(Uint8Array.from(h), 0, 20, 0));
  h[10] = c >> 8;
  h[11] = c & 255;
  return h;
}

test('checksum: RFC 1071 example sums to 0xddf2 (folded)', () => {
  const b = Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
  assert.equal(foldSum(sumWords(b, 0, 8, 0)), 0xddf2);
  // Odd length: the tail byte is padded with zero.
  assert.equal(foldSum(sumWords(Uint8Array.from([0x01, 0x02, 0x03]), 0, 3, 0)), 0x0402);
});

test('IPv4 header checksum is verified', () => {
  const good = decode(ipv4(59, 0), LinkType.RAW);
  assert.equal(good.ipChecksumStatus, Csum.Good);
  const bad = ipv4(59, 0);
  bad[8] = 63;
  assert.equal(decode(bad, LinkType.RAW).ipChecksumStatus, Csum.Bad);
});

test('UDP over IPv4 with checksum 0 is Zero; truncated UDP is Unverifiable', () => {
  const udp = [0x30, 0x39, 0x1f, 0x90, 0, 12, 0, 0, 1, 2, 3, 4];
  const p = decode([...ipv4(17, 12), ...udp], LinkType.RAW);
  assert.equal(p.hasUdp, true);
  assert.equal(p.l4ChecksumStatus, Csum.Zero);
  const udp2 = [...udp];
  udp2[7] = 1;
  const cut = decode([...ipv4(17, 12), ...udp2].slice(0, 20 + 10), LinkType.RAW);
  assert.equal(cut.l4ChecksumStatus, Csum.Unverifiable);
  assert.equal(cut.malformed, null);
});

test('a TCP option with an impossible length stops the option walk without failing the segment', () => {
  const tcp = [0, 80, 0x1f, 0x90, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x12, 0xff, 0xff, 0, 0, 0, 0, 2, 4, 5, 0xb4];
  const ok = decode([...ipv4(6, 24), ...tcp], LinkType.RAW);
  assert.equal(ok.tcpMss, 1460);
  assert.equal(ok.tcpFlags, 0x12);
  assert.equal(ok.tcpOptionsBad, false);
  const bad = [...tcp];
  bad[21] = 40;
  const p = decode([...ipv4(6, 24), ...bad], LinkType.RAW);
  assert.equal(p.tcpOptionsBad, true);
  assert.equal(p.tcpMss, -1);
  assert.equal(p.malformed, null);
});

test('AE flag (bit 8) is part of the 12-bit flags', () => {
  const tcp = [0, 80, 0x1f, 0x90, 0, 0, 0, 1, 0, 0, 0, 0, 0x51, 0xc2, 0xff, 0xff, 0, 0, 0, 0];
  assert.equal(decode([...ipv4(6, 20), ...tcp], LinkType.RAW).tcpFlags, 0x1c2);
});

test('IP-in-IP nesting beyond MAX_TUNNEL_DEPTH fails with "too many layers"', () => {
  let bytes: number[] = ipv4(59, 0);
  for (let i = 0; i <= MAX_TUNNEL_DEPTH; i++) bytes = [...ipv4(4, bytes.length), ...bytes];
  const p = decode(bytes, LinkType.RAW);
  assert.equal(p.depth, MAX_TUNNEL_DEPTH);
  assert.equal(p.isMalformed(), true);
  assert.match(p.malformedReason() ?? '', /too many layers/);
  assert.equal(p.encap, Encap.IpInIp);
});

test('NULL link type accepts the address family in either byte order, LOOP in network order', () => {
  const ip = ipv4(59, 0);
  assert.equal(decode([2, 0, 0, 0, ...ip], LinkType.NULL).ipVersion, 4);
  assert.equal(decode([0, 0, 0, 2, ...ip], LinkType.NULL).ipVersion, 4);
  assert.equal(decode([0, 0, 0, 2, ...ip], LinkType.LOOP).ipVersion, 4);
  const ip6 = [0x60, 0, 0, 0, 0, 0, 59, 64, ...new Array<number>(32).fill(0)];
  assert.equal(decode([30, 0, 0, 0, ...ip6], LinkType.NULL).ipVersion, 6);
  assert.equal(decode([0, 0, 0, 24, ...ip6], LinkType.NULL).ipVersion, 6);
});

test('an unknown link type is flagged as not decoded, not malformed', () => {
  const p = decode([1, 2, 3, 4], 4242);
  assert.equal(p.linkSupported, false);
  assert.equal(p.isMalformed(), false);
});

test('ICMP port unreachable quotes the UDP datagram into `quoted`', () => {
  const quotedIp = ipv4(17, 8);
  const quotedUdp = [0x30, 0x39, 0x00, 0x35, 0, 8, 0, 0];
  const icmp = [3, 3, 0, 0, 0, 0, 0, 0, ...quotedIp, ...quotedUdp];
  const c = 0xffff - foldSum(sumWords(Uint8Array.from(icmp), 0, icmp.length, 0));
  icmp[2] = c >> 8;
  icmp[3] = c & 255;
  const p = decode([...ipv4(1, icmp.length), ...icmp], LinkType.RAW);
  assert.equal(p.icmpType, 3);
  assert.equal(p.l4ChecksumStatus, Csum.Good);
  assert.equal(p.hasQuoted, true);
  assert.equal(p.quoted?.hasUdp, true);
  assert.equal(p.quoted?.dport, 53);
  assert.equal(p.malformed, null);
});
