/**
 * TLS / DTLS ClientHello decoder (RFC 8446 4.1.2, RFC 6347 4.2.2): versions,
 * SNI, ALPN, supported_versions, cipher suites, extensions, groups, point
 * formats, signature algorithms, and the JA3 / JA4 fingerprints.
 *
 * Works on one TCP segment (or UDP datagram) without reassembly: a record cut
 * at the segment end is decoded as far as present and flagged `l.truncated`;
 * fingerprints are then left empty because they would describe a different
 * ClientHello than the one sent.
 */
import { App, type Layers, type TlsClientHello } from '../packet.js';

const CONTENT_HANDSHAKE = 22;
const HS_CLIENT_HELLO = 1;
const TLS_RECORD_HEADER = 5;
const DTLS_RECORD_HEADER = 13;
/** DTLS handshake header adds message_seq(2), fragment_offset(3), fragment_length(3). */
const DTLS_HS_EXTRA = 8;

const EXT_SERVER_NAME = 0;
const EXT_SUPPORTED_GROUPS = 10;
const EXT_EC_POINT_FORMATS = 11;
const EXT_SIGNATURE_ALGORITHMS = 13;
const EXT_ALPN = 16;
const EXT_SUPPORTED_VERSIONS = 43;

const latin1 = new TextDecoder('latin1');

function u16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}

function u24(b: Uint8Array, p: number): number {
  return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
}

export function resetClientHello(ch: TlsClientHello): void {
  ch.version = ch.recordVersion = 0;
  ch.sni = '';
  ch.alpn.length = 0;
  ch.supportedVersions.length = 0;
  ch.cipherSuites.length = 0;
  ch.extensions.length = 0;
  ch.groups.length = 0;
  ch.ecPointFormats.length = 0;
  ch.signatureAlgorithms.length = 0;
  ch.ja3 = ch.ja3Hash = ch.ja4 = '';
  ch.overQuic = false;
}

/**
 * Decodes a TLS (or DTLS) record holding a ClientHello at `b[off .. off+len)`.
 * Returns false, leaving `l` untouched, when the bytes do not start one.
 */
export function decodeTlsClientHello(l: Layers, b: Uint8Array, off: number, len: number): boolean {
  const avail = Math.min(off + len, b.length);
  if (avail - off < TLS_RECORD_HEADER + 1 || b[off] !== CONTENT_HANDSHAKE) return false;
  const major = b[off + 1]!;
  const dtls = major === 0xfe;
  if (major !== 3 && !dtls) return false;
  const header = dtls ? DTLS_RECORD_HEADER : TLS_RECORD_HEADER;
  if (avail - off < header + 1 || b[off + header] !== HS_CLIENT_HELLO) return false;
  const recordEnd = off + header + u16(b, off + header - 2);
  const ch = l.tls;
  resetClientHello(ch);
  ch.recordVersion = u16(b, off + 1);
  l.app = App.TlsClientHello;
  return parseHandshake(l, b, off + header, Math.min(recordEnd, avail), recordEnd > avail, dtls ? 'd' : 't');
}

/**
 * Decodes a ClientHello handshake message (type byte at `p`) ending at most
 * at `end`; `cut` says the bytes after `end` were not captured. Also used for
 * the CRYPTO stream of a QUIC Initial (quic.ts). Returns true (it is a ClientHello).
 */
export function parseHandshake(l: Layers, b: Uint8Array, p: number, end: number, cut: boolean, proto: 't' | 'q' | 'd'): boolean {
  const ch = l.tls;
  ch.overQuic = proto === 'q';
  const hdr = proto === 'd' ? 4 + DTLS_HS_EXTRA : 4;
  if (p + hdr > end) return stop(l, cut, 'handshake header');
  const bodyEnd = p + hdr + u24(b, p + 1);
  if (proto === 'd' && u24(b, p + 6) !== 0) return stop(l, true, 'DTLS ClientHello fragment');
  let q = p + hdr;
  // A handshake longer than what we hold (cut segment, or spread over several records) is truncated.
  if (bodyEnd > end) cut = true;
  const e = Math.min(bodyEnd, end);

  if (q + 2 + 32 + 1 > e) return stop(l, cut, 'version/random/session id');
  ch.version = u16(b, q);
  q += 2 + 32;
  q += 1 + b[q]!; // session id
  if (proto === 'd') {
    if (q + 1 > e) return stop(l, cut, 'cookie');
    q += 1 + b[q]!;
  }
  if (q + 2 > e) return stop(l, cut, 'cipher suites');
  const csEnd = q + 2 + u16(b, q);
  q += 2;
  for (; q + 2 <= csEnd && q + 2 <= e; q += 2) ch.cipherSuites.push(u16(b, q));
  if (csEnd > e) return stop(l, cut, 'cipher suites');
  q = csEnd;
  if (q + 1 > e) return stop(l, cut, 'compression methods');
  q += 1 + b[q]!;
  if (q > e) return stop(l, cut, 'compression methods');
  if (q + 2 <= e) {
    const extEnd = q + 2 + u16(b, q);
    q += 2;
    while (q + 4 <= Math.min(extEnd, e)) {
      const type = u16(b, q);
      const dataEnd = q + 4 + u16(b, q + 2);
      ch.extensions.push(type);
      if (dataEnd > e) return stop(l, cut, `extension ${type}`);
      parseExtension(ch, b, type, q + 4, dataEnd);
      q = dataEnd;
    }
    if (q !== extEnd) return stop(l, cut || extEnd > e, 'extensions');
  } else if (q !== e) {
    return stop(l, cut, 'extensions length');
  }
  if (cut) return stop(l, true, 'extensions');
  ch.deferFingerprints(proto);
  return true;
}

/** Ends decoding early: truncation is a soft flag, anything else is malformed. */
function stop(l: Layers, cut: boolean, where: string): boolean {
  if (cut) l.truncated = true;
  else l.fail('tls', `ClientHello ${where} runs past the end of the message`);
  return true;
}

function parseExtension(ch: TlsClientHello, b: Uint8Array, type: number, p: number, end: number): void {
  switch (type) {
    case EXT_SERVER_NAME: {
      // server_name_list: first host_name entry.
      let q = p + 2;
      while (q + 3 <= end) {
        const nameLen = u16(b, q + 1);
        if (b[q] === 0 && q + 3 + nameLen <= end) {
          ch.sni = latin1.decode(b.subarray(q + 3, q + 3 + nameLen));
          return;
        }
        q += 3 + nameLen;
      }
      return;
    }
    case EXT_ALPN: {
      let q = p + 2;
      while (q < end) {
        const n = b[q]!;
        if (q + 1 + n > end) return;
        ch.alpn.push(latin1.decode(b.subarray(q + 1, q + 1 + n)));
        q += 1 + n;
      }
      return;
    }
    case EXT_SUPPORTED_VERSIONS:
      readU16List(ch.supportedVersions, b, p + 1, Math.min(end, p + 1 + (b[p] ?? 0)));
      return;
    case EXT_SUPPORTED_GROUPS:
      readU16List(ch.groups, b, p + 2, Math.min(end, p + 2 + u16(b, p)));
      return;
    case EXT_SIGNATURE_ALGORITHMS:
      readU16List(ch.signatureAlgorithms, b, p + 2, Math.min(end, p + 2 + u16(b, p)));
      return;
    case EXT_EC_POINT_FORMATS: {
      const listEnd = Math.min(end, p + 1 + (b[p] ?? 0));
      for (let q = p + 1; q < listEnd; q++) ch.ecPointFormats.push(b[q]!);
      return;
    }
    default:
      return;
  }
}

function readU16List(out: number[], b: Uint8Array, p: number, end: number): void {
  for (let q = p; q + 2 <= end; q += 2) out.push(u16(b, q));
}
