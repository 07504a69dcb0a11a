/**
 * Words and strings for decoded numbers, shared by the text, brief and JSON
 * printers. Only called when the user asked for output, never on the plain
 * decode path.
 */
import { Encap, Ip6Ext, TcpFlag, type CsumStatus, type EncapKind, type Layers } from '../decode/packet.js';
import { formatIsoTime, formatIPv6Words, formatMac, formatIPv4Bytes, formatIPv6Bytes } from '../util/format.js';

const CSUM_NAMES = ['none', 'good', 'bad', 'unverifiable', 'zero'] as const;
export type CsumName = (typeof CSUM_NAMES)[number];

export function csumName(s: CsumStatus): CsumName {
  return CSUM_NAMES[s] ?? 'none';
}

/** Long flag names in bit order, as tshark names them. */
const TCP_FLAG_NAMES: readonly [number, string][] = [
  [TcpFlag.FIN, 'FIN'], [TcpFlag.SYN, 'SYN'], [TcpFlag.RST, 'RST'], [TcpFlag.PSH, 'PSH'], [TcpFlag.ACK, 'ACK'],
  [TcpFlag.URG, 'URG'], [TcpFlag.ECE, 'ECE'], [TcpFlag.CWR, 'CWR'], [TcpFlag.AE, 'AE'],
];

function tcpFlagsLongUncached(flags: number): string {
  let s = '';
  for (const [bit, name] of TCP_FLAG_NAMES) if ((flags & bit) !== 0) s += s.length === 0 ? name : `,${name}`;
  return s;
}

/** Every 9-bit flag combination spelled out once, so printing a packet is an array read. */
const TCP_FLAGS_LONG: readonly string[] = Array.from({ length: 512 }, (_, v) => tcpFlagsLongUncached(v));

/** "SYN,ACK"-style list of the set flags ("" when none). */
export function tcpFlagsLong(flags: number): string {
  return flags >= 0 && flags < 512 ? TCP_FLAGS_LONG[flags]! : tcpFlagsLongUncached(flags);
}

/** tcpdump's one-letter flags in tcpdump's order: F S R P U W E . e (e.g. "S." for SYN+ACK). */
const TCP_FLAG_LETTERS: readonly [number, string][] = [
  [TcpFlag.FIN, 'F'], [TcpFlag.SYN, 'S'], [TcpFlag.RST, 'R'], [TcpFlag.PSH, 'P'], [TcpFlag.URG, 'U'],
  [TcpFlag.CWR, 'W'], [TcpFlag.ECE, 'E'], [TcpFlag.ACK, '.'], [TcpFlag.AE, 'e'],
];

function tcpFlagsShortUncached(flags: number): string {
  let s = '';
  for (const [bit, letter] of TCP_FLAG_LETTERS) if ((flags & bit) !== 0) s += letter;
  return s.length === 0 ? 'none' : s;
}

const TCP_FLAGS_SHORT: readonly string[] = Array.from({ length: 512 }, (_, v) => tcpFlagsShortUncached(v));

export function tcpFlagsShort(flags: number): string {
  return flags >= 0 && flags < 512 ? TCP_FLAGS_SHORT[flags]! : tcpFlagsShortUncached(flags);
}

/** Decimal text of 0..255, for dotted quads without number-to-string conversions. */
const DEC: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));
/** Zero-padded three-digit groups "000".."999", for fractions of a second. */
const DEC3: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HEX_PREFIXED2: readonly string[] = HEX2.map((h) => `0x${h}`);
/** "0x0000".."0xffff", built on first use (1.5 MB) since only text output needs it. */
let hexPrefixed4: string[] | null = null;

/** "0x1c"-style two-digit hex of a byte value (other values: plain hex). */
export function hexByte(v: number): string {
  return v >= 0 && v < 256 ? HEX_PREFIXED2[v]! : `0x${v.toString(16).padStart(2, '0')}`;
}

/** "0x1c46"-style four-digit hex of a 16-bit value (other values: plain hex). */
export function hexWord(v: number): string {
  if (v < 0 || v > 0xffff) return `0x${v.toString(16).padStart(4, '0')}`;
  if (hexPrefixed4 === null) {
    hexPrefixed4 = new Array<string>(65536);
    for (let i = 0; i < 65536; i++) hexPrefixed4[i] = `0x${HEX2[i >>> 8]!}${HEX2[i & 255]!}`;
  }
  return hexPrefixed4[v]!;
}

/** Dotted quad from a uint32 value, by table. */
export function ipv4Text(v: number): string {
  return DEC[v >>> 24]! + '.' + DEC[(v >>> 16) & 255]! + '.' + DEC[(v >>> 8) & 255]! + '.' + DEC[v & 255]!;
}

/** The first `digits` (1..9) digits of a nanosecond count 0..999999999, zero-padded. */
function nanosFraction(ns: number, digits: number): string {
  const ms = (ns / 1000000) | 0;
  if (digits === 3) return DEC3[ms]!;
  const us = ((ns / 1000) | 0) % 1000;
  if (digits === 6) return DEC3[ms]! + DEC3[us]!;
  const full = DEC3[ms]! + DEC3[us]! + DEC3[ns % 1000]!;
  return digits === 9 ? full : full.slice(0, digits);
}

const IP6_EXT_NAMES: readonly [number, string][] = [
  [Ip6Ext.HopByHop, 'hop-by-hop'], [Ip6Ext.Routing, 'routing'], [Ip6Ext.Fragment, 'fragment'],
  [Ip6Ext.DestOpts, 'dest-opts'], [Ip6Ext.Ah, 'ah'], [Ip6Ext.Esp, 'esp'], [Ip6Ext.Mobility, 'mobility'],
  [Ip6Ext.NoNext, 'no-next'],
];

/** Names of the IPv6 extension headers walked (bit order, not wire order). */
export function ip6ExtNames(mask: number): string[] {
  const out: string[] = [];
  for (const [bit, name] of IP6_EXT_NAMES) if ((mask & bit) !== 0) out.push(name);
  return out;
}

const ENCAP_NAMES: Record<number, string> = { 1: 'gre', 2: 'ip-in-ip', 3: 'vxlan', 4: 'geneve', 5: 'pseudowire' };

export function encapName(e: EncapKind): string {
  return e === Encap.None ? 'none' : (ENCAP_NAMES[e] ?? `encap-${e}`);
}

export function srcAddr(l: Layers): string {
  return l.ipVersion === 4 ? ipv4Text(l.src4) : formatIPv6Words(l.src6);
}

export function dstAddr(l: Layers): string {
  return l.ipVersion === 4 ? ipv4Text(l.dst4) : formatIPv6Words(l.dst6);
}

export function ethSrc(b: Uint8Array, l: Layers): string {
  return formatMac(b, l.ethOff + 6);
}

export function ethDst(b: Uint8Array, l: Layers): string {
  return formatMac(b, l.ethOff);
}

/** An ARP/RARP hardware or protocol address: MAC, IPv4 or IPv6 when the length says so, else hex. */
export function arpAddr(b: Uint8Array, off: number, len: number): string {
  if (off + len > b.length) return '';
  if (len === 6) return formatMac(b, off);
  if (len === 4) return formatIPv4Bytes(b, off);
  if (len === 16) return formatIPv6Bytes(b, off);
  return hexAddr(b, off, len);
}

/** Hex bytes joined by ':' (link-layer addresses of any length), clipped to the captured bytes. */
export function hexAddr(b: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len && off + i < b.length; i++) s += i > 0 ? ':' + HEX2[b[off + i]!]! : HEX2[b[off + i]!]!;
  return s;
}

const DNS_TYPES: Record<number, string> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 10: 'NULL', 12: 'PTR', 13: 'HINFO', 15: 'MX', 16: 'TXT', 17: 'RP',
  18: 'AFSDB', 24: 'SIG', 25: 'KEY', 28: 'AAAA', 29: 'LOC', 33: 'SRV', 35: 'NAPTR', 36: 'KX', 37: 'CERT',
  39: 'DNAME', 41: 'OPT', 42: 'APL', 43: 'DS', 44: 'SSHFP', 45: 'IPSECKEY', 46: 'RRSIG', 47: 'NSEC',
  48: 'DNSKEY', 49: 'DHCID', 50: 'NSEC3', 51: 'NSEC3PARAM', 52: 'TLSA', 53: 'SMIMEA', 55: 'HIP', 59: 'CDS',
  60: 'CDNSKEY', 61: 'OPENPGPKEY', 62: 'CSYNC', 63: 'ZONEMD', 64: 'SVCB', 65: 'HTTPS', 99: 'SPF', 249: 'TKEY',
  250: 'TSIG', 251: 'IXFR', 252: 'AXFR', 255: 'ANY', 256: 'URI', 257: 'CAA',
};

/** DNS RR type mnemonic ("A", "AAAA"...), or RFC 3597 "TYPEnnn". */
export function dnsTypeName(t: number): string {
  return DNS_TYPES[t] ?? `TYPE${t}`;
}

const DNS_RCODES = ['NoError', 'FormErr', 'ServFail', 'NXDomain', 'NotImp', 'Refused', 'YXDomain', 'YXRRSet', 'NXRRSet', 'NotAuth', 'NotZone'];

export function dnsRcodeName(r: number): string {
  return DNS_RCODES[r] ?? `RCode${r}`;
}

const TLS_VERSIONS: Record<number, string> = {
  0x0300: 'SSL 3.0', 0x0301: 'TLS 1.0', 0x0302: 'TLS 1.1', 0x0303: 'TLS 1.2', 0x0304: 'TLS 1.3',
  0xfeff: 'DTLS 1.0', 0xfefd: 'DTLS 1.2', 0xfefc: 'DTLS 1.3',
};

export function tlsVersionName(v: number): string {
  return TLS_VERSIONS[v] ?? `0x${v.toString(16).padStart(4, '0')}`;
}

/** True for the RFC 8701 GREASE values (0x?a?a), which say nothing about the client. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && (v >> 8) === (v & 0xff);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/g;

/** Packet-supplied text made safe for a terminal: control characters become \xNN. */
export function printable(s: string): string {
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(s)) return s;
  return s.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * formatIsoTime with the date part cached per second: consecutive packets
 * mostly share their second, and Date formatting is the costly part.
 */
export class IsoTimeFormatter {
  private sec = NaN;
  private base = '';

  format(tsSec: number, tsNsec: number, digits: number): string {
    if (tsSec !== this.sec) {
      this.sec = tsSec;
      this.base = formatIsoTime(tsSec, 0, 0).slice(0, -1);
    }
    const n = digits < 0 ? 0 : digits > 9 ? 9 : digits;
    if (n === 0) return this.base + 'Z';
    if (tsNsec >= 0 && tsNsec < 1000000000) return this.base + '.' + nanosFraction(tsNsec, n) + 'Z';
    const frac = tsNsec < 100000000 ? String(tsNsec).padStart(9, '0') : String(tsNsec);
    return `${this.base}.${n === 9 ? frac : frac.slice(0, n)}Z`;
  }
}
