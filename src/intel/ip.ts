/**
 * Address text ⇄ four uint32 words (IPv4 as ::ffff:a.b.c.d), the form the
 * CIDR trie and the detectors share. Parsing happens when lists load or a
 * reply arrives, never per packet.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { wordsKey } from '../util/addr-key.js';

export interface ParsedCidr {
  /** Four words, IPv4 mapped into ::ffff:0:0/96. */
  words: Uint32Array;
  /** Prefix length over the 128-bit word form (IPv4 /n → 96 + n). */
  bits: number;
  version: 4 | 6;
  /** Canonical text as given (address/prefix). */
  text: string;
}

function v4Value(s: string): number {
  const p = s.split('.');
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
}

/** Words of an IPv4 or IPv6 address, or null when `s` is not one. */
export function parseIp(s: string): Uint32Array | null {
  if (isIPv4(s)) return Uint32Array.of(0, 0, 0xffff, v4Value(s));
  if (!isIPv6(s)) return null;
  let text = s;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    // Embedded IPv4 (::ffff:1.2.3.4): rewrite as two hex groups.
    const v = v4Value(last);
    text = `${text.slice(0, lastColon + 1)}${(v >>> 16).toString(16)}:${(v & 0xffff).toString(16)}`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, null];
  const h = head === '' || head === undefined ? [] : head.split(':').map((x) => parseInt(x, 16));
  const r = rest === null || rest === '' || rest === undefined ? [] : rest.split(':').map((x) => parseInt(x, 16));
  const all = rest === null ? h : [...h, ...new Array<number>(Math.max(0, 8 - h.length - r.length)).fill(0), ...r];
  if (all.length !== 8 || all.some((g) => !(g >= 0 && g <= 0xffff))) return null;
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = ((all[2 * i]! << 16) | all[2 * i + 1]!) >>> 0;
  return w;
}

/** "a.b.c.d/n", "x::/n" or a bare address (a host route). Null when invalid. */
export function parseCidr(s: string): ParsedCidr | null {
  const slash = s.indexOf('/');
  const addr = slash >= 0 ? s.slice(0, slash) : s;
  const words = parseIp(addr);
  if (words === null) return null;
  const version: 4 | 6 = isIPv4(addr) ? 4 : 6;
  const max = version === 4 ? 32 : 128;
  let len = max;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    len = Number(p);
    if (len > max) return null;
  }
  return { words, bits: version === 4 ? 96 + len : len, version, text: s };
}

/** The table key (util/addr-key.ts) of an address given as text, as the packet path keys it; null when `s` is not an address. */
export function keyOfText(s: string): number | null {
  const w = parseIp(s);
  return w === null ? null : wordsKey(w, isIPv4(s));
}
