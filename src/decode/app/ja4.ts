/**
 * JA4 TLS client fingerprint (FoxIO, https://github.com/FoxIO-LLC/ja4,
 * technical_details/JA4.md): `<proto><version><sni><#ciphers><#exts><alpn>_
 * <sha256(sorted ciphers)[:12]>_<sha256(sorted exts minus SNI/ALPN "_" sigalgs)[:12]>`.
 * GREASE values are ignored everywhere.
 */
import type { TlsClientHello } from '../packet.js';
import { hexDigest, isGrease } from './ja3.js';

const EXT_SNI = 0x0000;
const EXT_ALPN = 0x0010;
const EMPTY_HASH = '000000000000';

function versionCode(v: number): string {
  switch (v) {
    case 0x0304:
      return '13';
    case 0x0303:
      return '12';
    case 0x0302:
      return '11';
    case 0x0301:
      return '10';
    case 0x0300:
      return 's3';
    case 0x0002:
      return 's2';
    case 0xfeff:
      return 'd1';
    case 0xfefd:
      return 'd2';
    case 0xfefc:
      return 'd3';
    default:
      return '00';
  }
}

/** Orders versions by recency: DTLS version numbers count downwards (0xfefd, DTLS 1.2, is newer than 0xfeff). */
function versionRank(v: number): number {
  return v >= 0xfe00 ? 0x10000 + (0xffff - v) : v;
}

/** "00".."ff" per byte: Number#toString(16) goes through a slow runtime path, and a hello has ~100 values to spell. */
const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex4(v: number): string {
  return HEX_BYTE[(v >>> 8) & 0xff]! + HEX_BYTE[v & 0xff]!;
}

function twoDigits(n: number): string {
  return n > 99 ? '99' : n < 10 ? '0' + n : String(n);
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** First and last character of the first ALPN value ("00" when none; hex digits when not alphanumeric). */
function alpnCode(alpn: readonly string[]): string {
  const first = alpn[0];
  if (first === undefined || first.length === 0) return '00';
  const a = first.charCodeAt(0);
  const z = first.charCodeAt(first.length - 1);
  if (isAlnum(a) && isAlnum(z)) return first[0]! + first[first.length - 1]!;
  // ALPN strings hold raw bytes as latin1 characters (see tls.ts): use the hex form.
  return (a >> 4).toString(16) + (z & 0xf).toString(16);
}

function truncatedSha256(s: string): string {
  return s === '' ? EMPTY_HASH : hexDigest('sha256', s).slice(0, 12);
}

/** `proto`: 't' TLS over TCP, 'q' QUIC, 'd' DTLS. */
export function ja4(ch: TlsClientHello, proto: 't' | 'q' | 'd'): string {
  let version = ch.version;
  let bestRank = -1;
  for (const v of ch.supportedVersions) {
    if (isGrease(v) || versionCode(v) === '00') continue;
    if (versionRank(v) > bestRank) {
      bestRank = versionRank(v);
      version = v;
    }
  }
  const ciphers: string[] = [];
  for (const c of ch.cipherSuites) if (!isGrease(c)) ciphers.push(hex4(c));
  const exts: string[] = [];
  let extCount = 0;
  let hasSni = false;
  for (const e of ch.extensions) {
    if (isGrease(e)) continue;
    extCount++;
    if (e === EXT_SNI) hasSni = true;
    if (e !== EXT_SNI && e !== EXT_ALPN) exts.push(hex4(e));
  }
  const sigs: string[] = [];
  for (const s of ch.signatureAlgorithms) if (!isGrease(s)) sigs.push(hex4(s));
  ciphers.sort();
  exts.sort();
  const a = `${proto}${versionCode(version)}${hasSni ? 'd' : 'i'}${twoDigits(ciphers.length)}${twoDigits(extCount)}${alpnCode(ch.alpn)}`;
  const b = truncatedSha256(ciphers.join(','));
  const extText = exts.join(',');
  const c = extText === '' ? EMPTY_HASH : truncatedSha256(sigs.length > 0 ? `${extText}_${sigs.join(',')}` : extText);
  return `${a}_${b}_${c}`;
}
