/**
 * Numeric keys for addresses, so per-host tables never build strings on the
 * hot path. IPv4 keys are the address itself (< 2^32); IPv6 keys are a 52-bit
 * hash offset above 2^32, so the two families never collide with each other.
 */
import type { Layers } from '../decode/packet.js';
import { formatIPv4, formatIPv6Words } from './format.js';

const TWO32 = 4294967296;

function mix6(w: Uint32Array): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < 4; i++) {
    h1 = Math.imul(h1 ^ w[i]!, 0x01000193);
    h2 = Math.imul(h2 + w[i]!, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return TWO32 + (h1 >>> 0) * 1048576 + ((h2 >>> 0) >>> 12);
}

export function srcKey(l: Layers): number {
  return l.ipVersion === 4 ? l.src4 : mix6(l.src6);
}

export function dstKey(l: Layers): number {
  return l.ipVersion === 4 ? l.dst4 : mix6(l.dst6);
}

export function srcText(l: Layers): string {
  return l.ipVersion === 4 ? formatIPv4(l.src4) : formatIPv6Words(l.src6);
}

export function dstText(l: Layers): string {
  return l.ipVersion === 4 ? formatIPv4(l.dst4) : formatIPv6Words(l.dst6);
}
