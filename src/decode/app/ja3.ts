/**
 * JA3 TLS client fingerprint (Salesforce): "version,ciphers,extensions,groups,
 * point formats", decimal values joined by '-', GREASE values (RFC 8701)
 * removed, and its MD5.
 */
import { createHash } from 'node:crypto';
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

export function ja3Hash(ja3: string): string {
  return createHash('md5').update(ja3).digest('hex');
}
