/**
 * Internet checksum (RFC 1071) helpers. Sums are accumulated unfolded in a
 * double (exact up to 2^53, far beyond any frame) and folded once at the end,
 * so the inner loop is a plain add of 16-bit words.
 */

/** Adds the 16-bit big-endian words of b[off, off+len) to `sum` (odd tail byte padded with zero). */
export function sumWords(b: Uint8Array, off: number, len: number, sum: number): number {
  let i = off;
  const end = off + len;
  const end8 = end - 7;
  // Four words per iteration: fewer loop-condition checks on long payloads.
  while (i < end8) {
    sum += ((b[i]! << 8) | b[i + 1]!) + ((b[i + 2]! << 8) | b[i + 3]!) + ((b[i + 4]! << 8) | b[i + 5]!) + ((b[i + 6]! << 8) | b[i + 7]!);
    i += 8;
  }
  while (i + 1 < end) {
    sum += (b[i]! << 8) | b[i + 1]!;
    i += 2;
  }
  if (i < end) sum += b[i]! << 8;
  return sum;
}

/** Folds an unfolded sum to 16 bits (one's complement carry wrap-around). */
export function foldSum(sum: number): number {
  // First reduction with arithmetic: the sum may exceed 32 bits.
  let s = (sum % 65536) + Math.floor(sum / 65536);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** True when a region whose checksum field is included sums to 0xffff (i.e. verifies). */
export function verifies(sum: number): boolean {
  return foldSum(sum) === 0xffff;
}

/** Pseudo-header sum for IPv4: addresses at srcOff/dstOff, protocol, upper-layer length. */
export function pseudoSum4(b: Uint8Array, srcOff: number, dstOff: number, proto: number, len: number): number {
  return sumWords(b, srcOff, 4, 0) + sumWords(b, dstOff, 4, 0) + proto + (len & 0xffff) + Math.floor(len / 65536);
}

/** Pseudo-header sum for IPv6 (RFC 8200 8.1): 16-byte addresses, 32-bit length, next header. */
export function pseudoSum6(b: Uint8Array, srcOff: number, dstOff: number, proto: number, len: number): number {
  return sumWords(b, srcOff, 16, 0) + sumWords(b, dstOff, 16, 0) + proto + (len & 0xffff) + Math.floor(len / 65536);
}
