/**
 * Numeric keys for addresses, so per-host tables never build strings on the
 * hot path. IPv4 keys are the address as a signed 32-bit integer (a small
 * integer to V8, so Map look-ups hash it cheaply); IPv6 keys are a 52-bit hash
 * offset above 2^32, so the two families never collide with each other.
 */
import type { Layers } from '../decode/packet.js';
import { formatIPv4, formatIPv6Words } from './format.js';

const TWO32 = 4294967296;

/** Key of the IPv6 address in words w[o..o+3]: a 52-bit hash offset above 2^32, so never an IPv4 key. */
export function v6Key(w: Uint32Array, o = 0): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < 4; i++) {
    h1 = Math.imul(h1 ^ w[o + i]!, 0x01000193);
    h2 = Math.imul(h2 + w[o + i]!, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return TWO32 + (h1 >>> 0) * 1048576 + ((h2 >>> 0) >>> 12);
}

/** Key of an address in the four-word form (IPv4 as ::ffff:a.b.c.d when `v4`): the key srcKey / dstKey give its packets. */
export function wordsKey(w: Uint32Array, v4: boolean): number {
  return v4 ? w[3]! | 0 : v6Key(w);
}

/** True for the key of an IPv6 address (v6Key, and srcKey / dstKey of an IPv6 packet). */
export function isV6Key(k: number): boolean {
  return k >= TWO32;
}

export function srcKey(l: Layers): number {
  return l.ipVersion === 4 ? l.src4 | 0 : v6Key(l.src6);
}

export function dstKey(l: Layers): number {
  return l.ipVersion === 4 ? l.dst4 | 0 : v6Key(l.dst6);
}

export function srcText(l: Layers): string {
  return l.ipVersion === 4 ? formatIPv4(l.src4) : formatIPv6Words(l.src6);
}

export function dstText(l: Layers): string {
  return l.ipVersion === 4 ? formatIPv4(l.dst4) : formatIPv6Words(l.dst6);
}

/**
 * Writes the source (or destination) address of `l` as four uint32 words
 * into `out`: IPv6 as is, IPv4 as IPv4-mapped (::ffff:a.b.c.d), so one
 * table can hold both families without building strings.
 */
export function loadAddrWords(l: Layers, src: boolean, out: Uint32Array): void {
  if (l.ipVersion === 4) {
    out[0] = 0;
    out[1] = 0;
    out[2] = 0xffff;
    out[3] = src ? l.src4 : l.dst4;
  } else {
    const w = src ? l.src6 : l.dst6;
    out[0] = w[0]!;
    out[1] = w[1]!;
    out[2] = w[2]!;
    out[3] = w[3]!;
  }
}
