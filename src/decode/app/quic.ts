/**
 * QUIC client Initial packets (RFC 9000 17.2.2, RFC 9001 5, RFC 9369): parses
 * the long header, removes header and packet protection with the Initial keys
 * (see quic-keys.ts), walks the frames and decodes the TLS ClientHello carried
 * in the CRYPTO frames into `l.tls` (overQuic, JA4 with the 'q' prefix).
 *
 * Stateless, one datagram at a time, first packet of the datagram only:
 * - a ClientHello spread over several Initial packets is decoded as far as the
 *   CRYPTO stream is contiguous from offset 0 and flagged truncated;
 * - Initials that do not authenticate with the keys derived from their own
 *   DCID (server Initials, a client's later Initials after the server chose a
 *   new connection ID) are not readable without connection state: false;
 * - a capture cut short (snaplen) loses the AEAD tag, so the captured bytes
 *   are decrypted unauthenticated (GCM is CTR underneath) and the result is
 *   used only when it is plainly a ClientHello; the packet is flagged truncated.
 *
 * Cost: the first byte and version are checked before any crypto; only a
 * packet that passes allocates (keys, plaintext).
 */
import { createDecipheriv } from 'node:crypto';
import { App, type Layers } from '../packet.js';
import { parseHandshake, resetClientHello } from './tls.js';
import { clientInitialKeys, quicVersionParams } from './quic-keys.js';

const LONG_HEADER = 0x80;
const MAX_CID_LEN = 20;
/** RFC 9000 14.1: a client Initial travels in a datagram of at least 1200 bytes (servers drop smaller ones). */
const MIN_CLIENT_INITIAL_DATAGRAM = 1200;
const PN_MAX_LEN = 4;
const SAMPLE_LEN = 16;
const TAG_LEN = 16;
/** RFC 9001 5.3: GCM counter block 1 is the tag mask, payload blocks start at 2. */
const GCM_FIRST_PAYLOAD_COUNTER = 2;

const FRAME_PADDING = 0x00;
const FRAME_PING = 0x01;
const FRAME_ACK = 0x02;
const FRAME_ACK_ECN = 0x03;
const FRAME_CRYPTO = 0x06;
const FRAME_CONNECTION_CLOSE = 0x1c;

const HS_CLIENT_HELLO = 1;
const TLS12_LEGACY_VERSION = 0x0303;

/** CRYPTO frames of one packet: stream offset, plaintext start, length. */
const MAX_CRYPTO_FRAMES = 256;
const cryptoOffset = new Float64Array(MAX_CRYPTO_FRAMES);
const cryptoStart = new Int32Array(MAX_CRYPTO_FRAMES);
const cryptoLen = new Int32Array(MAX_CRYPTO_FRAMES);
const cryptoOrder = new Int32Array(MAX_CRYPTO_FRAMES);
/** The CRYPTO stream prefix is reassembled here; a UDP datagram cannot carry more. */
const stream = new Uint8Array(65536);

/** Byte length of the variable-length integer starting with byte `c` (RFC 9000 16). */
function varintSize(c: number): number {
  return 1 << (c >> 6);
}

/** Value of the varint at `p` (needs `p + varintSize(b[p]) <= end`); exact up to 2^53. */
function varint(b: Uint8Array, p: number): number {
  const n = varintSize(b[p]!);
  let v = b[p]! & 0x3f;
  for (let i = 1; i < n; i++) v = v * 256 + b[p + i]!;
  return v;
}

/** Offset after the varint at `p`, or -1 when it runs past `end`. */
function skipVarint(b: Uint8Array, p: number, end: number): number {
  if (p >= end) return -1;
  const q = p + varintSize(b[p]!);
  return q <= end ? q : -1;
}

function u32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

/** A valid Initial header whose content is unusable: a cut capture is truncated, anything else malformed. */
function broken(l: Layers, cut: boolean, reason: string): boolean {
  if (cut) l.truncated = true;
  else l.fail('quic', reason);
  return true;
}

/**
 * Decodes the QUIC client Initial packet at `b[off .. off+len)` (a UDP payload).
 * Returns false, leaving `l` untouched, when it is not a QUIC Initial we can open.
 */
export function decodeQuicInitial(l: Layers, b: Uint8Array, off: number, len: number): boolean {
  const end = Math.min(off + len, b.length);
  if (end - off < 7) return false;
  const first = b[off]!;
  if ((first & LONG_HEADER) === 0) return false;
  const v = quicVersionParams(u32(b, off + 1));
  if (v === null || ((first >> 4) & 3) !== v.initialType) return false;
  const dcidLen = b[off + 5]!;
  const dcidOff = off + 6;
  if (dcidLen > MAX_CID_LEN || dcidOff + dcidLen >= end) return false;
  const scidLen = b[dcidOff + dcidLen]!;
  let p = dcidOff + dcidLen + 1 + scidLen;
  if (scidLen > MAX_CID_LEN || p >= end) return false;

  // A QUIC Initial header from here on. The UDP length tells a snaplen cut from a lying Length field.
  const cut = l.udpLength > 0 && l.udpLength - 8 > end - off;
  // Small Initials are the server's (or invalid): their keys are not derivable from this packet, skip the crypto.
  if ((cut ? l.udpLength - 8 : end - off) < MIN_CLIENT_INITIAL_DATAGRAM) return false;
  let q = skipVarint(b, p, end);
  if (q < 0) return broken(l, cut, 'Initial token length runs past the datagram');
  p = q + varint(b, p);
  q = skipVarint(b, p, end);
  if (q < 0) return broken(l, cut, 'Initial Length field runs past the datagram');
  const length = varint(b, p);
  const pnOff = q;
  const pktEnd = pnOff + length;
  if (length < PN_MAX_LEN + SAMPLE_LEN) return broken(l, false, `Initial Length ${length} too short for a header protection sample`);
  if (pktEnd > end && !cut) return broken(l, false, `Initial Length ${length} runs past the datagram`);
  if (pnOff + PN_MAX_LEN + SAMPLE_LEN > end) return broken(l, true, 'header protection sample not captured');

  const keys = clientInitialKeys(v, b, dcidOff, dcidLen);
  const mask = keys.hpCipher.update(b.subarray(pnOff + PN_MAX_LEN, pnOff + PN_MAX_LEN + SAMPLE_LEN));
  const plainFirst = first ^ (mask[0]! & 0x0f);
  const pnLen = (plainFirst & 3) + 1;
  const header = Buffer.from(b.subarray(off, pnOff + pnLen));
  header[0] = plainFirst;
  const nonce = Buffer.from(keys.iv);
  for (let i = 0; i < pnLen; i++) {
    const pnByte = b[pnOff + i]! ^ mask[1 + i]!;
    header[pnOff - off + i] = pnByte;
    // The truncated packet number is the full one for a connection's first Initials (expected 0).
    nonce[nonce.length - pnLen + i]! ^= pnByte;
  }
  const payloadOff = pnOff + pnLen;

  let plain: Buffer;
  const authenticated = pktEnd <= end;
  if (authenticated) {
    const gcm = createDecipheriv('aes-128-gcm', keys.key, nonce);
    gcm.setAAD(header);
    gcm.setAuthTag(b.subarray(pktEnd - TAG_LEN, pktEnd));
    plain = gcm.update(b.subarray(payloadOff, pktEnd - TAG_LEN));
    // Node reports a failed tag only by throwing; confined to packets that passed every header check.
    try {
      gcm.final();
    } catch {
      return false;
    }
  } else {
    const counter = Buffer.alloc(16);
    nonce.copy(counter, 0);
    counter.writeUInt32BE(GCM_FIRST_PAYLOAD_COUNTER, 12);
    const ctr = createDecipheriv('aes-128-ctr', keys.key, counter);
    plain = ctr.update(b.subarray(payloadOff, Math.min(end, pktEnd - TAG_LEN)));
    l.truncated = true;
  }
  return decodeFrames(l, plain, authenticated);
}

/**
 * Walks the frames of a decrypted Initial payload, then decodes the CRYPTO
 * stream prefix. `authenticated` false: the plaintext is cut and unverified,
 * so a frame that does not parse ends the walk instead of marking malformed.
 */
function decodeFrames(l: Layers, pt: Uint8Array, authenticated: boolean): boolean {
  const n = pt.length;
  let frames = 0;
  let p = 0;
  while (p < n) {
    const type = pt[p]!;
    if (type === FRAME_PADDING || type === FRAME_PING) {
      p++;
      continue;
    }
    let q = -1;
    if (type === FRAME_CRYPTO) {
      const offAt = p + 1;
      const lenAt = skipVarint(pt, offAt, n);
      const dataAt = lenAt < 0 ? -1 : skipVarint(pt, lenAt, n);
      if (dataAt >= 0) {
        const dataLen = varint(pt, lenAt);
        const avail = Math.min(dataLen, n - dataAt);
        if (avail === dataLen || !authenticated) {
          if (frames === MAX_CRYPTO_FRAMES) {
            if (!authenticated) break;
            return broken(l, false, `more than ${MAX_CRYPTO_FRAMES} CRYPTO frames`);
          }
          cryptoOffset[frames] = varint(pt, offAt);
          cryptoStart[frames] = dataAt;
          cryptoLen[frames] = avail;
          frames++;
          q = dataAt + avail;
        }
      }
    } else if (type === FRAME_ACK || type === FRAME_ACK_ECN) {
      q = skipAck(pt, p + 1, n, type === FRAME_ACK_ECN);
    } else if (type === FRAME_CONNECTION_CLOSE) {
      q = skipVarint(pt, p + 1, n); // error code
      if (q >= 0) q = skipVarint(pt, q, n); // frame type
      const reasonAt = q < 0 ? -1 : skipVarint(pt, q, n);
      q = reasonAt < 0 ? -1 : reasonAt + varint(pt, q);
      if (q > n) q = -1;
    } else {
      if (!authenticated) break;
      return broken(l, false, `frame type 0x${type.toString(16)} is not allowed in an Initial packet`);
    }
    if (q < 0) {
      if (!authenticated) break;
      return broken(l, false, `frame type 0x${type.toString(16)} runs past the end of the payload`);
    }
    p = q;
  }
  return decodeCryptoStream(l, pt, frames, authenticated);
}

/** Offset after an ACK frame body starting at `p`, or -1. */
function skipAck(pt: Uint8Array, p: number, n: number, ecn: boolean): number {
  let q = skipVarint(pt, p, n); // largest acknowledged
  if (q >= 0) q = skipVarint(pt, q, n); // ack delay
  if (q < 0) return -1;
  const rangeCountAt = q;
  q = skipVarint(pt, q, n);
  if (q < 0) return -1;
  const ranges = varint(pt, rangeCountAt);
  if (ranges > n) return -1;
  q = skipVarint(pt, q, n); // first range
  for (let i = 0; i < ranges * 2 && q >= 0; i++) q = skipVarint(pt, q, n); // gap, length
  for (let i = 0; ecn && i < 3 && q >= 0; i++) q = skipVarint(pt, q, n); // ECT0, ECT1, CE counts
  return q;
}

/** Reassembles the CRYPTO bytes contiguous from stream offset 0 and decodes the ClientHello there. */
function decodeCryptoStream(l: Layers, pt: Uint8Array, frames: number, authenticated: boolean): boolean {
  // Insertion sort by stream offset: Chrome scatters its ClientHello over many small frames.
  for (let i = 0; i < frames; i++) {
    let j = i;
    while (j > 0 && cryptoOffset[cryptoOrder[j - 1]!]! > cryptoOffset[i]!) {
      cryptoOrder[j] = cryptoOrder[j - 1]!;
      j--;
    }
    cryptoOrder[j] = i;
  }
  let covered = 0;
  for (let k = 0; k < frames; k++) {
    const i = cryptoOrder[k]!;
    const o = cryptoOffset[i]!;
    if (o > covered) break;
    const fEnd = Math.min(o + cryptoLen[i]!, stream.length);
    if (fEnd > covered) {
      stream.set(pt.subarray(cryptoStart[i]! + (covered - o), cryptoStart[i]! + (fEnd - o)), covered);
      covered = fEnd;
    }
  }
  // No ClientHello start in this packet (a later packet of a split ClientHello, an ACK-only Initial...).
  if (covered === 0 || stream[0] !== HS_CLIENT_HELLO) return true;
  // Unverified plaintext is trusted only when it reads as a TLS 1.2+ ClientHello header.
  if (!authenticated && (covered < 6 || ((stream[4]! << 8) | stream[5]!) !== TLS12_LEGACY_VERSION)) return true;
  resetClientHello(l.tls);
  l.app = App.TlsClientHello;
  // A ClientHello continuing in later packets is cut here, not malformed: parseHandshake sees its
  // length exceed `covered`. Only a missing handshake header needs the hint.
  parseHandshake(l, stream, 0, covered, covered < 4, 'q');
  return true;
}
