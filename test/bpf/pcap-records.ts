/**
 * Minimal reader of classic pcap bytes (what `tcpdump -w -` writes), used by
 * the tests to read tcpdump's reference output independently of src/capture.
 */
import { RawFrame } from '../../src/capture/frame.js';

export interface PcapRecords {
  linkType: number;
  /** Raw record bytes (16-byte header + data), for exact comparison. */
  records: Uint8Array[];
  frames: RawFrame[];
}

export function parsePcap(buf: Uint8Array): PcapRecords {
  if (buf.length < 24) return { linkType: -1, records: [], frames: [] };
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magicLe = dv.getUint32(0, true);
  let le: boolean;
  let nano: boolean;
  if (magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d) {
    le = true;
    nano = magicLe === 0xa1b23c4d;
  } else {
    const magicBe = dv.getUint32(0, false);
    if (magicBe !== 0xa1b2c3d4 && magicBe !== 0xa1b23c4d) throw new Error(`not a pcap stream (magic 0x${magicLe.toString(16)})`);
    le = false;
    nano = magicBe === 0xa1b23c4d;
  }
  const linkType = dv.getUint32(20, le) & 0xffff;
  const records: Uint8Array[] = [];
  const frames: RawFrame[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const capLen = dv.getUint32(off + 8, le);
    if (off + 16 + capLen > buf.length) break; // tcpdump killed mid-record: ignore the tail
    const f = new RawFrame();
    f.n = frames.length + 1;
    f.tsSec = dv.getUint32(off, le);
    f.tsNsec = dv.getUint32(off + 4, le) * (nano ? 1 : 1000);
    f.capLen = capLen;
    f.origLen = dv.getUint32(off + 12, le);
    f.linkType = linkType;
    f.data = buf.subarray(off + 16, off + 16 + capLen);
    frames.push(f);
    records.push(buf.subarray(off, off + 16 + capLen));
    off += 16 + capLen;
  }
  return { linkType, records, frames };
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** 1-based numbers in `all` of the records of `subset`, matched in order (subset is a subsequence of all). */
export function numbersOfSubsequence(all: Uint8Array[], subset: Uint8Array[]): number[] {
  const out: number[] = [];
  let j = 0;
  for (const r of subset) {
    while (j < all.length && !sameBytes(all[j]!, r)) j++;
    if (j === all.length) throw new Error(`record ${out.length + 1} of the filtered output is not in the unfiltered output`);
    out.push(++j);
  }
  return out;
}
