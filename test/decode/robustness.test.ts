/**
 * Robustness of the decoder: random bytes for every link type, and
 * truncations and bit-flips of real corpus packets. No exception may escape,
 * and the decoded packet must serialise to valid JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { RawFrame } from '../../src/capture/frame.js';
import { openCaptureFile } from '../../src/capture/open.js';
import { Decoder, LinkType } from '../../src/decode/decoder.js';
import { Packet } from '../../src/decode/packet.js';
import { packetToJson } from '../../src/output/json.js';
import { CORPUS, needShared } from '../helpers/env.js';
import { corpusCaptures } from './conformance-lib.js';

const LINK_TYPES = [...Object.values(LinkType), 127, 160, 9999];
const decoder = new Decoder();
const pkt = new Packet();
const frame = new RawFrame();

/** Decodes `data` as `linkType` and checks the JSON round trip; returns the JSON text. */
function decodeToJson(data: Uint8Array, linkType: number): string {
  frame.n = 1;
  frame.linkType = linkType;
  frame.data = data;
  frame.capLen = data.length;
  frame.origLen = data.length;
  decoder.decode(frame, pkt);
  const text = JSON.stringify(packetToJson(pkt));
  JSON.parse(text);
  return text;
}

test('random bytes under every link type decode without throwing and serialise to JSON', () => {
  fc.assert(
    fc.property(fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 160 }), (lt, bytes) => {
      decodeToJson(bytes, lt);
    }),
    { numRuns: 3000, seed: 20240601 },
  );
});

test('random bytes behind valid headers reach the deep decoders', () => {
  // Prefix an Ethernet/IPv4 or IPv6 header so random bytes land in TCP/UDP/ICMP/GRE/tunnels.
  const eth4 = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00]);
  const eth6 = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x86, 0xdd]);
  fc.assert(
    fc.property(fc.boolean(), fc.constantFrom(1, 4, 6, 17, 41, 47, 58, 0, 43, 44, 51, 60), fc.uint8Array({ minLength: 0, maxLength: 200 }), (v6, proto, rest) => {
      const ip = new Uint8Array(v6 ? 40 : 20);
      if (v6) {
        ip[0] = 0x60;
        ip[4] = rest.length >>> 8;
        ip[5] = rest.length & 255;
        ip[6] = proto;
        ip[7] = 64;
      } else {
        ip[0] = 0x45;
        const total = 20 + rest.length;
        ip[2] = total >>> 8;
        ip[3] = total & 255;
        ip[8] = 64;
        ip[9] = proto;
      }
      const data = new Uint8Array(14 + ip.length + rest.length);
      data.set(v6 ? eth6 : eth4, 0);
      data.set(ip, 14);
      data.set(rest, 14 + ip.length);
      decodeToJson(data, LinkType.EN10MB);
    }),
    { numRuns: 3000, seed: 7 },
  );
});

interface Sample {
  data: Uint8Array;
  linkType: number;
}

async function corpusSamples(): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const rel of corpusCaptures(CORPUS)) {
    try {
      const src = await openCaptureFile(join(CORPUS, rel));
      await src.run((f) => {
        out.push({ data: f.data.slice(), linkType: f.linkType });
      });
    } catch {
      // Corrupt-on-purpose files: the frames before the error are enough here.
    }
  }
  return out;
}

/** Small deterministic PRNG (xorshift32) so the sweep is reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

test('every corpus packet survives a truncation and a bit-flip; a sample also round-trips JSON', async (t) => {
  if (!needShared(t)) return;
  const samples = await corpusSamples();
  assert.ok(samples.length > 100_000, `expected the whole corpus, read ${samples.length} frames`);
  const next = rng(12345);
  const work = new Uint8Array(262144);
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    const n = s.data.length;
    const cut = n === 0 ? 0 : next() % n;
    frame.linkType = s.linkType;
    frame.data = s.data.subarray(0, cut);
    frame.capLen = cut;
    frame.origLen = n;
    decoder.decode(frame, pkt);
    if (n > 0) {
      work.set(s.data);
      const bit = next() % (n * 8);
      work[bit >>> 3]! ^= 1 << (bit & 7);
      frame.data = work.subarray(0, n);
      frame.capLen = n;
      decoder.decode(frame, pkt);
    }
    // JSON for a spread-out sample keeps the sweep fast.
    if (i % 50 === 0) JSON.parse(JSON.stringify(packetToJson(pkt)));
  }
  fc.assert(
    fc.property(fc.nat(samples.length - 1), fc.nat(), fc.array(fc.nat(), { maxLength: 4 }), (idx, cutSeed, flips) => {
      const s = samples[idx]!;
      const data = s.data.slice(0, s.data.length === 0 ? 0 : cutSeed % (s.data.length + 1));
      for (const fl of flips) if (data.length > 0) data[fl % data.length]! ^= 1 << (fl & 7);
      decodeToJson(data, s.linkType);
    }),
    { numRuns: 3000, seed: 99 },
  );
});
