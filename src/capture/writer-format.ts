/**
 * Byte layouts written by the capture writer (little-endian, as libpcap and
 * Wireshark write on x86): pcap file header and record header; pcapng SHB,
 * IDB and EPB.
 */
import { unitsHighLow } from './timestamp.js';

export type CaptureFormat = 'pcap' | 'pcapng';

export const PCAP_FILE_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
/** EPB without packet data and without options: 28-byte header + 4-byte trailing length. */
export const EPB_OVERHEAD = 32;
const USER_APPL = new TextEncoder().encode('wirewatch');

function putU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}

export function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

export function pcapFileHeader(linkType: number, snapLen: number, nano: boolean): Uint8Array {
  const b = new Uint8Array(PCAP_FILE_HEADER_LEN);
  putU32(b, 0, nano ? 0xa1b23c4d : 0xa1b2c3d4);
  putU16(b, 4, 2);
  putU16(b, 6, 4);
  putU32(b, 16, snapLen);
  putU32(b, 20, linkType);
  return b;
}

/** Writes a pcap record header at `o`. */
export function putPcapRecordHeader(b: Uint8Array, o: number, sec: number, nsec: number, nano: boolean, capLen: number, origLen: number): void {
  putU32(b, o, sec);
  putU32(b, o + 4, nano ? nsec : Math.floor(nsec / 1000));
  putU32(b, o + 8, capLen);
  putU32(b, o + 12, origLen);
}

/** Section Header Block: version 1.0, section length unknown (-1), shb_userappl. */
export function pcapngSectionHeader(): Uint8Array {
  const optLen = 4 + ((USER_APPL.length + 3) & ~3) + 4;
  const len = 28 + optLen;
  const b = new Uint8Array(len);
  putU32(b, 0, 0x0a0d0d0a);
  putU32(b, 4, len);
  putU32(b, 8, 0x1a2b3c4d);
  putU16(b, 12, 1);
  putU16(b, 14, 0);
  putU32(b, 16, 0xffffffff);
  putU32(b, 20, 0xffffffff);
  putU16(b, 24, 4); // shb_userappl
  putU16(b, 26, USER_APPL.length);
  b.set(USER_APPL, 28);
  // opt_endofopt is the zero word already there.
  putU32(b, len - 4, len);
  return b;
}

/** Interface Description Block; if_tsresol 9 when the timestamps are nanoseconds (else the default 6). */
export function pcapngInterface(linkType: number, snapLen: number, nano: boolean): Uint8Array {
  const len = 20 + (nano ? 12 : 0);
  const b = new Uint8Array(len);
  putU32(b, 0, 1);
  putU32(b, 4, len);
  putU16(b, 8, linkType);
  putU32(b, 12, snapLen);
  if (nano) {
    putU16(b, 16, 9); // if_tsresol
    putU16(b, 18, 1);
    b[20] = 9;
    // value padded to 4 bytes, then opt_endofopt (zeros)
  }
  putU32(b, len - 4, len);
  return b;
}

const hl = new Uint32Array(1);

/** Writes an Enhanced Packet Block header at `o`; returns the block length. Data goes at o + 28. */
export function putEpbHeader(
  b: Uint8Array,
  o: number,
  ifId: number,
  sec: number,
  nsec: number,
  nano: boolean,
  capLen: number,
  origLen: number,
): number {
  const len = EPB_OVERHEAD + ((capLen + 3) & ~3);
  putU32(b, o, 6);
  putU32(b, o + 4, len);
  putU32(b, o + 8, ifId);
  const high = nano ? unitsHighLow(sec, nsec, 1e9, hl) : unitsHighLow(sec, Math.floor(nsec / 1000), 1e6, hl);
  putU32(b, o + 12, high);
  putU32(b, o + 16, hl[0]!);
  putU32(b, o + 20, capLen);
  putU32(b, o + 24, origLen);
  // Padding after the data must be zero: the caller's chunk may hold old bytes.
  for (let i = o + 28 + capLen; i < o + len - 4; i++) b[i] = 0;
  putU32(b, o + len - 4, len);
  return len;
}
