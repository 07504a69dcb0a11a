/**
 * TCP options (RFC 9293 3.1, RFC 7323, RFC 2018): MSS, window scale,
 * SACK-permitted, SACK blocks and timestamps. Each option is bound-checked;
 * an impossible length stops the walk and sets `bad`.
 *
 * Only the printers read options, so the decoder records where they are and
 * they are walked on first read (see Layers.tcpMss and friends).
 */

/** SACK blocks kept per segment (a 40-byte option space holds at most 4). */
export const MAX_SACK = 4;

const OPT_EOL = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;
const OPT_WSCALE = 3;
const OPT_SACK_PERM = 4;
const OPT_SACK = 5;
const OPT_TIMESTAMP = 8;

/** The options of one segment. */
export class TcpOptions {
  mss = -1;
  wscale = -1;
  sackPerm = false;
  hasTs = false;
  tsVal = 0;
  tsEcr = 0;
  sackCount = 0;
  /** SACK blocks as left,right pairs. */
  readonly sack = new Uint32Array(MAX_SACK * 2);
  /** An option had an impossible length: the walk stopped there (the segment is still decoded). */
  bad = false;

  reset(): void {
    this.mss = this.wscale = -1;
    this.sackPerm = this.hasTs = false;
    this.tsVal = this.tsEcr = this.sackCount = 0;
    this.bad = false;
  }
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Walks the options in b[p, end) into `o` (which must be reset). */
export function walkTcpOptions(o: TcpOptions, b: Uint8Array, p: number, end: number): void {
  while (p < end) {
    const kind = b[p]!;
    if (kind === OPT_EOL) return;
    if (kind === OPT_NOP) {
      p++;
      continue;
    }
    if (end - p < 2) {
      o.bad = true;
      return;
    }
    const len = b[p + 1]!;
    if (len < 2 || len > end - p) {
      o.bad = true;
      return;
    }
    switch (kind) {
      case OPT_MSS:
        if (len === 4) o.mss = (b[p + 2]! << 8) | b[p + 3]!;
        else o.bad = true;
        break;
      case OPT_WSCALE:
        if (len === 3) o.wscale = b[p + 2]!;
        else o.bad = true;
        break;
      case OPT_SACK_PERM:
        if (len === 2) o.sackPerm = true;
        else o.bad = true;
        break;
      case OPT_SACK: {
        const blocks = (len - 2) >>> 3;
        if ((len - 2) % 8 !== 0 || blocks === 0) {
          o.bad = true;
          break;
        }
        const sack = o.sack;
        for (let i = 0; i < blocks && o.sackCount < MAX_SACK; i++) {
          const k = o.sackCount;
          sack[2 * k] = u32(b, p + 2 + 8 * i);
          sack[2 * k + 1] = u32(b, p + 6 + 8 * i);
          o.sackCount = k + 1;
        }
        break;
      }
      case OPT_TIMESTAMP:
        if (len === 10) {
          o.hasTs = true;
          o.tsVal = u32(b, p + 2);
          o.tsEcr = u32(b, p + 6);
        } else o.bad = true;
        break;
      default:
        break;
    }
    p += len;
  }
}
