/**
 * RDATA presentation form for the record types wirewatch shows; every other
 * type (or a known type with an unexpected length) is rendered RFC 3597 style
 * as `\# <len> <hex>`. Embedded names use the same tshark text as owner names.
 */
import type { DnsRecord } from '../packet.js';
import { formatIPv4Bytes, formatIPv6Bytes } from '../../util/format.js';
import type { NameReader } from './dns-name.js';

export const DnsType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
} as const;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex(b: Uint8Array, p: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX[b[p + i]!]!;
  return s;
}

function u16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}

function u32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

/** RFC 3597 generic form. */
export function genericRdata(b: Uint8Array, p: number, n: number): string {
  return n === 0 ? '\\# 0' : `\\# ${n} ${hex(b, p, n)}`;
}

/** A character-string in zone-file form: quoted, `"` and `\` escaped, non-printables as \DDD. */
function quoted(b: Uint8Array, p: number, n: number): string {
  let s = '"';
  for (let i = 0; i < n; i++) {
    const c = b[p + i]!;
    if (c === 0x22 || c === 0x5c) s += '\\' + String.fromCharCode(c);
    else if (c >= 0x20 && c <= 0x7e) s += String.fromCharCode(c);
    else s += '\\' + String(c).padStart(3, '0');
  }
  return s + '"';
}

/**
 * Presentation form of the RDATA at `b[p .. p+n)` for record `r` (type, class
 * and TTL already set). Returns null when the RDATA is malformed; `names.error`
 * then says why. With `withText` false it only checks the RDATA (same
 * verdict and reason) and returns '' when it is sound.
 */
export function formatRdata(names: NameReader, b: Uint8Array, msgOff: number, end: number, p: number, n: number, r: DnsRecord, withText: boolean): string | null {
  const rdEnd = p + n;
  switch (r.type) {
    case DnsType.A:
      return !withText ? '' : n === 4 ? formatIPv4Bytes(b, p) : genericRdata(b, p, n);
    case DnsType.AAAA:
      return !withText ? '' : n === 16 ? formatIPv6Bytes(b, p) : genericRdata(b, p, n);
    case DnsType.NS:
    case DnsType.CNAME:
    case DnsType.PTR:
      return nameIn(names, b, msgOff, end, p, rdEnd, withText) < 0 ? null : names.text;
    case DnsType.MX: {
      if (n < 3) return badLength(names, r, n);
      if (nameIn(names, b, msgOff, end, p + 2, rdEnd, withText) < 0) return null;
      return withText ? `${u16(b, p)} ${names.text}` : '';
    }
    case DnsType.SRV: {
      if (n < 7) return badLength(names, r, n);
      if (nameIn(names, b, msgOff, end, p + 6, rdEnd, withText) < 0) return null;
      return withText ? `${u16(b, p)} ${u16(b, p + 2)} ${u16(b, p + 4)} ${names.text}` : '';
    }
    case DnsType.SOA: {
      const afterM = nameIn(names, b, msgOff, end, p, rdEnd, withText);
      if (afterM < 0) return null;
      const mname = names.text;
      const afterR = nameIn(names, b, msgOff, end, afterM, rdEnd, withText);
      if (afterR < 0) return null;
      if (afterR + 20 > rdEnd) return badLength(names, r, n);
      if (!withText) return '';
      return `${mname} ${names.text} ${u32(b, afterR)} ${u32(b, afterR + 4)} ${u32(b, afterR + 8)} ${u32(b, afterR + 12)} ${u32(b, afterR + 16)}`;
    }
    case DnsType.TXT: {
      let s = '';
      let q = p;
      while (q < rdEnd) {
        const sl = b[q]!;
        if (q + 1 + sl > rdEnd) return badLength(names, r, n);
        if (withText) s += (q === p ? '' : ' ') + quoted(b, q + 1, sl);
        q += 1 + sl;
      }
      return s;
    }
    case DnsType.OPT:
      return formatOpt(names, b, p, n, r, withText);
    default:
      return withText ? genericRdata(b, p, n) : '';
  }
}

/** Reads a name that must start inside the RDATA; returns the offset after it, or -1. */
function nameIn(names: NameReader, b: Uint8Array, msgOff: number, end: number, p: number, rdEnd: number, withText: boolean): number {
  if (p >= rdEnd) {
    names.bad('name missing from RDATA');
    return -1;
  }
  if (!names.read(b, msgOff, end, p, withText)) return -1;
  if (names.end > rdEnd) {
    names.bad('name runs past the end of its RDATA');
    return -1;
  }
  return names.end;
}

function badLength(names: NameReader, r: DnsRecord, n: number): null {
  names.bad(`RDATA length ${n} is invalid for type ${r.type}`);
  return null;
}

/**
 * EDNS OPT pseudo-record (RFC 6891): the class is the requester's UDP payload
 * size and the TTL holds the extended RCODE, version and DO flag.
 */
function formatOpt(names: NameReader, b: Uint8Array, p: number, n: number, r: DnsRecord, withText: boolean): string | null {
  const extRcode = r.ttl >>> 24;
  const version = (r.ttl >>> 16) & 0xff;
  const dnssecOk = (r.ttl & 0x8000) !== 0 ? 1 : 0;
  let s = withText ? `udp=${r.cls} extrcode=${extRcode} version=${version} do=${dnssecOk}` : '';
  const end = p + n;
  let q = p;
  while (q < end) {
    if (q + 4 > end) return badLength(names, r, n);
    const code = u16(b, q);
    const optLen = u16(b, q + 2);
    if (q + 4 + optLen > end) {
      names.bad(`EDNS option ${code} of ${optLen} bytes runs past the end of the OPT record`);
      return null;
    }
    if (withText) s += ` ${code}=${hex(b, q + 4, optLen)}`;
    q += 4 + optLen;
  }
  return s;
}
