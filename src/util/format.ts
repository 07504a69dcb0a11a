/** Formatting at the edge: addresses and timestamps become strings only here. */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** "aa:bb:cc:dd:ee:ff" from 6 bytes at `off`. */
export function formatMac(b: Uint8Array, off: number): string {
  return `${HEX[b[off]!]}:${HEX[b[off + 1]!]}:${HEX[b[off + 2]!]}:${HEX[b[off + 3]!]}:${HEX[b[off + 4]!]}:${HEX[b[off + 5]!]}`;
}

/** Dotted quad from a uint32 value. */
export function formatIPv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Dotted quad from 4 bytes at `off`. */
export function formatIPv4Bytes(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** RFC 5952 text form of an IPv6 address given as four uint32 words. */
export function formatIPv6Words(w: ArrayLike<number>): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 4; i++) {
    g[2 * i] = (w[i]! >>> 16) & 0xffff;
    g[2 * i + 1] = w[i]! & 0xffff;
  }
  return formatIPv6Groups(g);
}

/** RFC 5952 text form of an IPv6 address stored as 16 bytes at `off`. */
export function formatIPv6Bytes(b: Uint8Array, off: number): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = (b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!;
  return formatIPv6Groups(g);
}

/**
 * The run of zero groups that RFC 5952 (4.2) prints as "::": the first
 * longest run of at least two, as `start * 16 + length`, or -1 when there is none.
 */
export function ipv6ZeroRun(g: ArrayLike<number>): number {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] === 0) {
      let j = i;
      while (j < 8 && g[j] === 0) j++;
      if (j - i > bestLen && j - i >= 2) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    } else i++;
  }
  return bestStart < 0 ? -1 : bestStart * 16 + bestLen;
}

function formatIPv6Groups(g: number[]): string {
  const run = ipv6ZeroRun(g);
  const bestStart = run < 0 ? -1 : run >>> 4;
  const bestLen = run & 15;
  // IPv4-mapped (::ffff:a.b.c.d) keeps the dotted tail, as tshark and inet_ntop print it.
  if (bestStart === 0 && bestLen === 5 && g[5] === 0xffff) {
    return `::ffff:${g[6]! >>> 8}.${g[6]! & 255}.${g[7]! >>> 8}.${g[7]! & 255}`;
  }
  const parts: string[] = [];
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      parts.push(i === 0 ? ':' : '');
      i += bestLen - 1;
      if (i === 7) parts.push('');
      continue;
    }
    parts.push(g[i]!.toString(16));
  }
  return parts.join(':');
}

/** ISO-8601 UTC with `digits` fractional digits (6 or 9), e.g. 2020-06-10T09:21:03.720289Z. */
export function formatIsoTime(tsSec: number, tsNsec: number, digits = 6): string {
  const d = new Date(tsSec * 1000);
  // toISOString gives "+151991-10-29T21:30:39.000Z" past year 9999: cut at the seconds, whatever the year width.
  const base = Number.isFinite(d.getTime()) ? d.toISOString().replace(/\.\d{3}Z$/, '') : `@${tsSec}`;
  const frac = String(tsNsec).padStart(9, '0').slice(0, Math.max(0, Math.min(9, digits)));
  return frac.length > 0 ? `${base}.${frac}Z` : `${base}Z`;
}

/** Epoch seconds with nine decimals, as tshark's frame.time_epoch. */
export function formatEpoch9(tsSec: number, tsNsec: number): string {
  return `${tsSec}.${String(tsNsec).padStart(9, '0')}`;
}

/** "0x0012"-style hex with `width` digits. */
export function hex(v: number, width: number): string {
  return `0x${v.toString(16).padStart(width, '0')}`;
}
