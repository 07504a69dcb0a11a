/**
 * Internet checksum (RFC 1071) helpers. Sums are accumulated unfolded in a
 * double (exact up to 2^53, far beyond any frame) and folded once at the end,
 * so the inner loop is a plain add of 16-bit words.
 */

/**
 * Long regions are summed as aligned little-endian 32-bit words of the whole
 * underlying buffer (one Uint32Array per buffer: the reader reuses its
 * buffers, so these are made once per buffer, and the Uint8Array a frame
 * lives in is remembered so that its `buffer` accessor is not read per call).
 */
let lastArray: Uint8Array | null = null;
let words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
let bytes: Uint8Array<ArrayBufferLike> = new Uint8Array(0);

/**
 * Adds the 16-bit big-endian words of b[off, off+len) to `sum` (odd tail byte
 * padded with zero), as a value equal to that sum modulo 0xffff (RFC 1071:
 * only the folded sum matters).
 *
 * Long regions avoid byte pairing: 2^16 ≡ 1 (mod 0xffff), so summing
 * little-endian 32-bit words gives every byte at an even address weight 1 and
 * every byte at an odd address weight 2^8. The region's big-endian pairing
 * gives its byte at position j weight 2^8 when j is even: the same weights
 * when the region starts at an odd address, swapped when it starts at an even
 * one, and swapping a folded sum's two bytes multiplies it by 2^8 (RFC 1071
 * 2(B), byte-order independence).
 */
export function sumWords(b: Uint8Array, off: number, len: number, sum: number): number {
  if (len < SHORT_SUM) return sumBytes(b, off, len, sum);
  if (b !== lastArray) {
    lastArray = b;
    if (b.buffer !== bytes.buffer) {
      bytes = new Uint8Array(b.buffer);
      words = new Uint32Array(b.buffer, 0, b.buffer.byteLength >>> 2);
    }
  }
  const u8 = bytes;
  const u32 = words;
  const start = b.byteOffset + off;
  const end = start + len;
  let a = start;
  let s = 0;
  // Up to three bytes before the first aligned word, and after the last one (len ≥ SHORT_SUM, so both exist).
  for (; (a & 3) !== 0; a++) s += u8[a]! << (8 * (a & 1));
  let w = a >>> 2;
  const wEnd = end >>> 2;
  // Four independent sums: one chain of dependent float adds would wait on each add's latency.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (; w + 3 < wEnd; w += 4) {
    s0 += u32[w]!;
    s1 += u32[w + 1]!;
    s2 += u32[w + 2]!;
    s3 += u32[w + 3]!;
  }
  for (; w < wEnd; w++) s0 += u32[w]!;
  s += s0 + s1 + s2 + s3;
  for (a = wEnd << 2; a < end; a++) s += u8[a]! << (8 * (a & 1));
  const folded = foldSum(s);
  return sum + ((start & 1) === 0 ? ((folded & 0xff) << 8) | (folded >>> 8) : folded);
}

/** Regions shorter than this are summed from the bytes (see sumWords). */
const SHORT_SUM = 64;

/** sumWords for short regions: 16-bit words from byte pairs, four words per step. */
function sumBytes(b: Uint8Array, off: number, len: number, sum: number): number {
  let i = off;
  const end = off + len;
  while (i + 8 <= end) {
    sum += ((b[i]! << 8) | b[i + 1]!) + ((b[i + 2]! << 8) | b[i + 3]!) + ((b[i + 4]! << 8) | b[i + 5]!) + ((b[i + 6]! << 8) | b[i + 7]!);
    i += 8;
  }
  while (i + 2 <= end) {
    sum += (b[i]! << 8) | b[i + 1]!;
    i += 2;
  }
  if (i < end) sum += b[i]! << 8;
  return sum;
}

/** Folds an unfolded sum (any size up to 2^53) to 16 bits (one's complement carry wrap-around). */
export function foldSum(sum: number): number {
  // Arithmetic, not bit operators: the sum may exceed 32 bits.
  // hi * 65536 and the subtraction are exact below 2^53; a float `%` is a call into the runtime.
  let s = sum;
  while (s > 0xffff) {
    const hi = Math.floor(s / 65536);
    s = s - hi * 65536 + hi;
  }
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
