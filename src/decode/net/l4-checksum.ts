/** Transport checksum over the IP pseudo-header (TCP, UDP, ICMPv6) and plain (ICMPv4). */
import { Csum, type CsumStatus, type Layers } from '../packet.js';
import { pseudoSum4, pseudoSum6, sumWords, verifies } from '../checksum.js';

/**
 * Verifies the checksum of the `len`-byte upper-layer message at `off`
 * (checksum field included) with the pseudo-header of `l`'s IP header.
 * Unverifiable when fewer than `len` bytes were captured or the datagram is a fragment.
 * `l`'s address offsets are frame-relative; the frame starts at `ipBase` of `b`.
 */
export function l4ChecksumStatus(l: Layers, b: Uint8Array, ipBase: number, off: number, end: number, len: number, proto: number, pseudo: boolean): CsumStatus {
  if (end - off < len || l.ipIsFragment) return Csum.Unverifiable;
  let sum = 0;
  if (pseudo) {
    const src = l.ipSrcOff + ipBase;
    const dst = l.ipDstOff + ipBase;
    sum = l.ipVersion === 4 ? pseudoSum4(b, src, dst, proto, len) : pseudoSum6(b, src, dst, proto, len);
  }
  return verifies(sumWords(b, off, len, sum)) ? Csum.Good : Csum.Bad;
}
