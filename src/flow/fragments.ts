/**
 * IP fragment reassembly for the flow stage (IPv4 RFC 791, IPv6 RFC 8200
 * §4.5). Zeek and tshark count a fragmented datagram once, when it is
 * complete, with the ports and tunnel payload of the whole datagram; so the
 * flow stage hands every fragment here and decodes the datagram this returns
 * once the last hole is filled.
 *
 * Datagrams are keyed by (version, source, destination, protocol, id) — the
 * IPv6 protocol is left out, as RFC 8200 keys on addresses and id only.
 * Memory is bounded: at most `maxPending` datagrams and `maxBytes` of
 * buffered payload (the oldest pending datagram is evicted beyond either),
 * and a datagram not complete `timeoutS` after its first fragment is dropped
 * (Linux ipfrag_time: 30 s). Only fragments pay for the string key and the
 * copy; other packets never reach this module.
 */
import type { Layers } from '../decode/packet.js';

export interface FragmentOptions {
  maxPending: number;
  maxBytes: number;
  timeoutS: number;
}

export const DEFAULT_FRAGMENT_OPTIONS: FragmentOptions = { maxPending: 4096, maxBytes: 32 * 1024 * 1024, timeoutS: 30 };

export interface FragmentStats {
  /** Fragment frames handed to the tracker. */
  fragments: number;
  /** Datagrams completed and passed on to the flow table. */
  reassembled: number;
  /** Datagrams dropped incomplete because their timeout passed (or the input ended). */
  expired: number;
  /** Datagrams dropped incomplete to stay within maxPending / maxBytes. */
  evicted: number;
  /** Fragments dropped as invalid (beyond 65535 bytes, past the final fragment, no IPv6 fragment header). */
  invalid: number;
  /** Non-first fragments not fully captured (snap length): dropped, as Zeek and tshark do. */
  truncated: number;
  /** Datagrams pending now. */
  pending: number;
}

const MAX_DATAGRAM = 65535;
const NH_FRAGMENT = 44;

class Pending {
  /** Unfragmentable part of the offset-0 fragment (IPv4 header; IPv6 header and extension headers before the fragment header). */
  header: Uint8Array | null = null;
  /** IPv6: offset in `header` of the Next Header byte that named the fragment header. */
  nhPos = 0;
  /** IPv6: Next Header of the fragment header (the fragmentable part's first header). */
  fragNext = 0;
  payload: Uint8Array = new Uint8Array(0);
  /** Received payload ranges as sorted, merged [start, end) pairs. */
  ranges: number[] = [];
  /** Payload length, known once the fragment without MF arrived; -1 before. */
  total = -1;
  constructor(
    readonly version: number,
    readonly firstUs: number,
  ) {}
}

export class FragmentTracker {
  readonly stats: FragmentStats = { fragments: 0, reassembled: 0, expired: 0, evicted: 0, invalid: 0, truncated: 0, pending: 0 };
  /** Insertion order is first-fragment order, so the oldest datagram is first. */
  private readonly pending = new Map<string, Pending>();
  private bytes = 0;
  private readonly timeoutUs: number;

  constructor(private readonly opts: FragmentOptions = DEFAULT_FRAGMENT_OPTIONS) {
    this.timeoutUs = opts.timeoutS * 1e6;
  }

  /** Payload bytes buffered now. */
  get bufferedBytes(): number {
    return this.bytes;
  }

  /**
   * Adds the fragment at level `l` of the frame `b` at time `ts` (µs).
   * Returns the reassembled IP datagram (a fresh array) when this fragment
   * completes it, else null.
   */
  add(l: Layers, b: Uint8Array, ts: number): Uint8Array | null {
    const st = this.stats;
    st.fragments++;
    this.expire(ts);
    const v6 = l.ipVersion === 6;
    // The caller passes only fragments captured in full (Zeek and tshark skip reassembly otherwise).
    const ipEnd = l.ipOff + l.ipTotalLen;
    let dataOff: number;
    let fragHdr = -1;
    let nhPos = 0;
    if (v6) {
      nhPos = l.ipOff + 6;
      fragHdr = findFragmentHeader(b, l.ipOff, ipEnd, nhPos);
      if (fragHdr < 0) {
        st.invalid++;
        return null;
      }
      nhPos = fragHdr >>> 16;
      fragHdr &= 0xffff;
      fragHdr += l.ipOff;
      nhPos += l.ipOff;
      dataOff = fragHdr + 8;
    } else {
      dataOff = l.ipOff + l.ipHdrLen;
    }
    const start = l.ipFragOffset;
    const declared = ipEnd - dataOff;
    const end = start + declared;
    if (declared < 0 || end > MAX_DATAGRAM) {
      st.invalid++;
      return null;
    }
    const key = v6
      ? `6 ${l.src6.join(' ')} ${l.dst6.join(' ')} ${l.ip6FragId}`
      : `4 ${l.src4} ${l.dst4} ${l.ipProto} ${l.ipId}`;
    let p = this.pending.get(key);
    if (p === undefined) {
      this.makeRoom();
      p = new Pending(l.ipVersion, ts);
      this.pending.set(key, p);
      st.pending = this.pending.size;
    }
    const last = (l.ipFlags & 1) === 0;
    if ((p.total >= 0 && end > p.total) || (last && p.total >= 0 && end !== p.total) || (last && hasBeyond(p.ranges, end))) {
      st.invalid++;
      return null;
    }
    if (last) p.total = end;
    if (start === 0 && p.header === null) {
      const hdrEnd = v6 ? fragHdr : dataOff;
      p.header = b.slice(l.ipOff, hdrEnd);
      if (v6) {
        p.nhPos = nhPos - l.ipOff;
        p.fragNext = b[fragHdr]!;
      }
    }
    if (end > p.payload.length) {
      const grown = new Uint8Array(Math.min(MAX_DATAGRAM, Math.max(end, p.payload.length * 2)));
      grown.set(p.payload);
      this.bytes += grown.length - p.payload.length;
      p.payload = grown;
    }
    p.payload.set(b.subarray(dataOff, ipEnd), start);
    addRange(p.ranges, start, end);
    if (p.total < 0 || p.header === null || p.ranges.length !== 2 || p.ranges[0] !== 0 || p.ranges[1] !== p.total) {
      if (this.bytes > this.opts.maxBytes) this.makeRoom();
      return null;
    }
    this.drop(key, p);
    st.reassembled++;
    return assemble(p);
  }

  /** Drops datagrams whose first fragment is older than the timeout at `now` (µs). */
  expire(now: number): void {
    for (const [key, p] of this.pending) {
      if (now - p.firstUs <= this.timeoutUs) break;
      this.drop(key, p);
      this.stats.expired++;
    }
  }

  /** Drops every pending datagram (end of input): they can no longer complete. */
  clear(): void {
    this.stats.expired += this.pending.size;
    this.pending.clear();
    this.bytes = 0;
    this.stats.pending = 0;
  }

  private makeRoom(): void {
    for (const [key, p] of this.pending) {
      if (this.pending.size < this.opts.maxPending && this.bytes <= this.opts.maxBytes) return;
      this.drop(key, p);
      this.stats.evicted++;
    }
  }

  private drop(key: string, p: Pending): void {
    this.pending.delete(key);
    this.bytes -= p.payload.length;
    this.stats.pending = this.pending.size;
  }
}

/**
 * Walks the IPv6 extension headers that may precede a fragment header
 * (hop-by-hop, routing, destination options, AH). Returns the fragment
 * header offset relative to `ipOff` in the low 16 bits and the relative
 * offset of the Next Header byte naming it in the high bits; -1 if absent.
 */
function findFragmentHeader(b: Uint8Array, ipOff: number, end: number, firstNhPos: number): number {
  let nhPos = firstNhPos;
  let p = ipOff + 40;
  for (let i = 0; i < 16; i++) {
    const nh = b[nhPos]!;
    if (nh === NH_FRAGMENT) return p + 8 <= end ? ((nhPos - ipOff) << 16) | (p - ipOff) : -1;
    if (nh !== 0 && nh !== 43 && nh !== 60 && nh !== 51) return -1;
    if (p + 2 > end) return -1;
    const len = nh === 51 ? (b[p + 1]! + 2) * 4 : (b[p + 1]! + 1) * 8;
    nhPos = p;
    p += len;
  }
  return -1;
}

/** True when a received range ends beyond `end` (data past the final fragment). */
function hasBeyond(ranges: number[], end: number): boolean {
  return ranges.length > 0 && ranges[ranges.length - 1]! > end;
}

/** Inserts [s, e) into sorted merged pairs, merging touching and overlapping ranges. */
function addRange(r: number[], s: number, e: number): void {
  let i = 0;
  while (i < r.length && r[i + 1]! < s) i += 2;
  let j = i;
  let ns = s;
  let ne = e;
  while (j < r.length && r[j]! <= e) {
    if (r[j]! < ns) ns = r[j]!;
    if (r[j + 1]! > ne) ne = r[j + 1]!;
    j += 2;
  }
  r.splice(i, j - i, ns, ne);
}

/** The whole datagram: first fragment's header (lengths fixed, fragment fields removed) and the payload. */
function assemble(p: Pending): Uint8Array {
  const h = p.header!;
  const total = p.total;
  const out = new Uint8Array(h.length + total);
  out.set(h);
  out.set(p.payload.subarray(0, total), h.length);
  if (p.version === 4) {
    const len = Math.min(h.length + total, MAX_DATAGRAM);
    out[2] = len >>> 8;
    out[3] = len & 255;
    // Flags and offset cleared (DF kept), checksum recomputed over the new header.
    out[6] = out[6]! & 0x40;
    out[7] = 0;
    out[10] = out[11] = 0;
    let sum = 0;
    for (let i = 0; i < h.length; i += 2) sum += (out[i]! << 8) | out[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    const c = ~sum & 0xffff;
    out[10] = c >>> 8;
    out[11] = c & 255;
  } else {
    const plen = h.length - 40 + total;
    out[4] = (plen >>> 8) & 255;
    out[5] = plen & 255;
    out[p.nhPos] = p.fragNext;
  }
  return out;
}
