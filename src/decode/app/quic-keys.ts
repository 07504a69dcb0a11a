/**
 * QUIC Initial packet keys (RFC 9001 5.2, RFC 9369 3.3): the client's Initial
 * secret is HKDF-Extract(version salt, client Destination Connection ID), so
 * any observer can derive it. Only the client direction is derived: the
 * server's Initials are keyed from the client's *original* DCID, which a
 * server packet does not carry.
 */
import { createCipheriv, createHmac, type Cipher } from 'node:crypto';

export const QUIC_V1 = 0x00000001;
export const QUIC_V2 = 0x6b3343cf;
export const QUIC_DRAFT29 = 0xff00001d;

export interface QuicVersionParams {
  readonly version: number;
  /** Long-header packet type value of an Initial (v2 renumbered the types). */
  readonly initialType: number;
  readonly salt: Buffer;
  readonly keyInfo: Buffer;
  readonly ivInfo: Buffer;
  readonly hpInfo: Buffer;
}

export interface QuicInitialKeys {
  readonly key: Buffer;
  readonly iv: Buffer;
  readonly hp: Buffer;
  /** AES-128-ECB with `hp`: ECB has no chaining, so one cipher object serves every sample. */
  readonly hpCipher: Cipher;
}

const SHA256_LEN = 32;
const AES128_KEY_LEN = 16;
const AEAD_IV_LEN = 12;

/** HkdfLabel (RFC 8446 7.1) with an empty context, built once per label. */
function hkdfLabelInfo(label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  return Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([0])]);
}

function params(version: number, initialType: number, saltHex: string, prefix: string): QuicVersionParams {
  return {
    version,
    initialType,
    salt: Buffer.from(saltHex, 'hex'),
    keyInfo: hkdfLabelInfo(`${prefix} key`, AES128_KEY_LEN),
    ivInfo: hkdfLabelInfo(`${prefix} iv`, AEAD_IV_LEN),
    hpInfo: hkdfLabelInfo(`${prefix} hp`, AES128_KEY_LEN),
  };
}

const V1 = params(QUIC_V1, 0, '38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'quic');
const V2 = params(QUIC_V2, 1, '0dede3def700a6db819381be6e269dcbf9bd2ed9', 'quicv2');
const DRAFT29 = params(QUIC_DRAFT29, 0, 'afbfec289993d24c9e9786f19c6111e04390a899', 'quic');
const CLIENT_IN_INFO = hkdfLabelInfo('client in', SHA256_LEN);

/** Parameters of a version whose Initials we can open, or null. */
export function quicVersionParams(version: number): QuicVersionParams | null {
  switch (version) {
    case QUIC_V1:
      return V1;
    case QUIC_V2:
      return V2;
    case QUIC_DRAFT29:
      return DRAFT29;
    default:
      return null;
  }
}

/** HKDF-Expand (RFC 5869) for outputs of at most one SHA-256 block, which is all QUIC needs. */
function expand(prk: Buffer, info: Buffer, length: number): Buffer {
  return createHmac('sha256', prk).update(info).update(ONE).digest().subarray(0, length);
}
const ONE = Buffer.from([1]);

// Clients retransmit their first Initial with the same DCID: remember the last derivation.
let cachedVersion = -1;
const cachedDcid = Buffer.alloc(255);
let cachedDcidLen = -1;
let cachedKeys: QuicInitialKeys | null = null;

/** Client Initial keys for `dcid = b[off .. off+len)`. */
export function clientInitialKeys(v: QuicVersionParams, b: Uint8Array, off: number, len: number): QuicInitialKeys {
  if (cachedKeys !== null && cachedVersion === v.version && cachedDcidLen === len && cachedDcid.compare(b, off, off + len, 0, len) === 0) {
    return cachedKeys;
  }
  const initialSecret = createHmac('sha256', v.salt).update(b.subarray(off, off + len)).digest();
  const clientSecret = expand(initialSecret, CLIENT_IN_INFO, SHA256_LEN);
  const hp = expand(clientSecret, v.hpInfo, AES128_KEY_LEN);
  const hpCipher = createCipheriv('aes-128-ecb', hp, null);
  hpCipher.setAutoPadding(false);
  const keys: QuicInitialKeys = {
    key: expand(clientSecret, v.keyInfo, AES128_KEY_LEN),
    iv: expand(clientSecret, v.ivInfo, AEAD_IV_LEN),
    hp,
    hpCipher,
  };
  cachedDcid.set(b.subarray(off, off + len), 0);
  cachedDcidLen = len;
  cachedVersion = v.version;
  cachedKeys = keys;
  return keys;
}
