/**
 * Linux NFLOG (239): a 4-byte header (address family, version, resource id)
 * then TLVs with little-endian length/type, each padded to 4 bytes. The
 * packet itself is the NFULA_PAYLOAD TLV.
 */
import type { Layers } from '../packet.js';
import type { DecodeFlags } from '../decoder.js';
import { decodeIpv4 } from '../net/ipv4.js';
import { decodeIpv6 } from '../net/ipv6.js';

const NFLOG_HEADER_LEN = 4;
const TLV_HEADER_LEN = 4;
const NFULA_PAYLOAD = 9;
const AF_INET = 2;
const AF_INET6 = 10;

export function decodeNflog(f: DecodeFlags, l: Layers, b: Uint8Array, off: number, end: number): void {
  if (end - off < NFLOG_HEADER_LEN) {
    l.fail('nflog', 'truncated NFLOG header');
    return;
  }
  const family = b[off]!;
  let p = off + NFLOG_HEADER_LEN;
  while (end - p >= TLV_HEADER_LEN) {
    const len = b[p]! | (b[p + 1]! << 8);
    const type = (b[p + 2]! | (b[p + 3]! << 8)) & 0x7fff;
    if (len < TLV_HEADER_LEN || len > end - p) {
      l.fail('nflog', `bad TLV length ${len}`);
      return;
    }
    if (type === NFULA_PAYLOAD) {
      const s = p + TLV_HEADER_LEN;
      const e = p + len;
      if (family === AF_INET) {
        l.netType = 0x0800;
        decodeIpv4(f, l, b, s, e, 0, false);
      } else if (family === AF_INET6) {
        l.netType = 0x86dd;
        decodeIpv6(f, l, b, s, e, 0, false);
      }
      return;
    }
    p += (len + 3) & ~3;
  }
}
