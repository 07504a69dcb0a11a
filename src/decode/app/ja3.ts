/**
 * JA3 TLS client fingerprint (Salesforce): "version,ciphers,extensions,groups,
 * point formats", decimal values joined by '-', GREASE values (RFC 8701)
 * removed, and its MD5.
 */
import * as crypto from 'node:crypto';
import type { TlsClientHello } from '../packet.js';

/** RFC 8701 GREASE values: 0x0a0a, 0x1a1a, ... 0xfafa. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

function joinNoGrease(list: readonly number[]): string {
  let s = '';
  for (const v of list) {
    if (isGrease(v)) continue;
    s += s === '' ? String(v) : '-' + v;
  }
  return s;
}

export function ja3String(ch: TlsClientHello): string {
  return `${ch.version},${joinNoGrease(ch.cipherSuites)},${joinNoGrease(ch.extensions)},${joinNoGrease(ch.groups)},${joinNoGrease(ch.ecPointFormats)}`;
}

/**
 * Hex digest of `s` (UTF-8). The one-shot crypto.hash (Node >= 20.12) costs a
 * fraction of a createHash object for these short inputs; older Node 20
 * releases fall back to createHash.
 */
export const hexDigest: (algorithm: 'md5' | 'sha256', s: string) => string =
  typeof crypto.hash === 'function'
    ? (algorithm, s) => crypto.hash(algorithm, s, 'hex')
    : (algorithm, s) => crypto.createHash(algorithm).update(s).digest('hex');

export function ja3Hash(ja3: string): string {
  return hexDigest('md5', ja3);
}
