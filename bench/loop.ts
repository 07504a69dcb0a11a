/**
 * Looped bench inputs: a corpus capture written `reps` times into one pcap,
 * long enough to time. Each copy's timestamps are shifted past the previous
 * copy, and each copy gets its own IP addresses, so that it holds NEW
 * connections: a copy of the same 5-tuples with the same initial sequence
 * numbers would look, to every stateful stage (flow table, TCP analysis,
 * detectors), like the original connections replayed — all retransmissions
 * and stale state — which is neither real traffic nor what a peer sees in it.
 *
 * Copy r ≥ 1 XORs the low 16 bits of every unicast IPv4 and IPv6 address
 * with a per-copy mask (r times an odd constant, so distinct for every copy):
 * the address stays in its block (private stays private, loopback stays
 * loopback, public stays public) while its value moves like that of another
 * host, so tables hashed on address sums (ndpiReader's) spread the copies as
 * they would spread real hosts; multicast/broadcast groups are left alone
 * (they are shared by design). IPv4 header, TCP, UDP and ICMPv6 checksums are updated
 * incrementally (RFC 1624), so a checksum that was good stays good and one
 * that was bad stays bad. Only the outermost IP header of Ethernet (with any
 * 802.1Q/802.1ad tags) or raw-IP frames is rewritten; other frames (ARP, LLC,
 * addresses quoted inside ICMP errors or tunnels) are copied unchanged.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';

export const WORK_DIR = '/tmp/wirewatch-bench';

/** Link types whose frames start with an Ethernet header, or with the IP header itself. */
const DLT_EN10MB = 1;
const DLT_RAW = [101, 12, 14, 228, 229];

/**
 * Writes `src` (a little- or big-endian microsecond/nanosecond pcap) `reps`
 * times into one pcap (see the module comment); returns its path and packet count.
 */
export function loopPcap(src: string, reps: number): { path: string; packets: number } {
  const b = readFileSync(src);
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && b.readUInt32BE(0) !== 0xa1b2c3d4 && b.readUInt32BE(0) !== 0xa1b23c4d) {
    throw new Error(`${src}: not a classic pcap file (the bench loops pcap only)`);
  }
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const linkType = u32(20) & 0xffff;
  const records: [number, number][] = [];
  let first = -1;
  let last = 0;
  for (let o = 24; o + 16 <= b.length; ) {
    const len = u32(o + 8);
    if (o + 16 + len > b.length) break;
    const sec = u32(o);
    if (first < 0) first = sec;
    last = sec;
    records.push([o, 16 + len]);
    o += 16 + len;
  }
  const span = Math.max(0, last - first) + 1;
  mkdirSync(WORK_DIR, { recursive: true });
  const out = join(WORK_DIR, `${basename(src)}.x${reps}.hosts.pcap`);
  if (!existsSync(out)) {
    // Written under a private name and renamed, so concurrent benches never read a half-written loop.
    const tmp = `${out}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, b.subarray(0, 24));
    for (let r = 0; r < reps; r++) {
      const chunk = Buffer.allocUnsafe(records.reduce((n, [, l]) => n + l, 0));
      let p = 0;
      for (const [o, l] of records) {
        b.copy(chunk, p, o, o + l);
        const sec = u32(o) + r * span;
        if (le) chunk.writeUInt32LE(sec >>> 0, p);
        else chunk.writeUInt32BE(sec >>> 0, p);
        if (r > 0) remapFrame(chunk.subarray(p + 16, p + l), linkType, r);
        p += l;
      }
      writeSync(fd, chunk);
    }
    closeSync(fd);
    renameSync(tmp, out);
  }
  return { path: out, packets: records.length * reps };
}

/** Rewrites the addresses of one frame (captured bytes `f`) for copy r, in place. */
export function remapFrame(f: Buffer, linkType: number, r: number): void {
  let o: number;
  let version: number;
  if (linkType === DLT_EN10MB) {
    o = 12;
    let type = f.length >= 14 ? f.readUInt16BE(12) : 0;
    while ((type === 0x8100 || type === 0x88a8) && f.length >= o + 6) {
      o += 4;
      type = f.readUInt16BE(o);
    }
    o += 2;
    if (type === 0x0800) version = 4;
    else if (type === 0x86dd) version = 6;
    else return;
  } else if (DLT_RAW.includes(linkType)) {
    o = 0;
    version = f.length > 0 ? f[0]! >> 4 : 0;
  } else {
    return;
  }
  if (version === 4) remapIPv4(f, o, r);
  else if (version === 6) remapIPv6(f, o, r);
}

/** The XOR mask of copy r's address low words: r·0x9e37 mod 2^16, a bijection on r < 2^16 (the multiplier is odd). */
function copyMask(r: number): number {
  return Math.imul(r, 0x9e37) & 0xffff;
}

function remapIPv4(f: Buffer, o: number, r: number): void {
  if (f.length < o + 20 || f[o]! >> 4 !== 4) return;
  const ihl = (f[o]! & 15) * 4;
  if (ihl < 20 || f.length < o + ihl) return;
  // The 16-bit words that change, as [offset, old, new], for the checksum updates.
  const changed: number[] = [];
  for (const at of [o + 12, o + 16]) {
    const a = f.readUInt32BE(at);
    const top = a >>> 24;
    if (top >= 224 || a === 0) continue; // multicast, reserved, broadcast, unspecified
    const b = (a ^ copyMask(r)) >>> 0;
    changed.push(f.readUInt16BE(at), b >>> 16, f.readUInt16BE(at + 2), b & 0xffff);
    f.writeUInt32BE(b, at);
  }
  if (changed.length === 0) return;
  adjustChecksum(f, o + 10, changed, false);
  const fragOffset = f.readUInt16BE(o + 6) & 0x1fff;
  if (fragOffset !== 0) return; // no transport header in this fragment
  adjustTransport(f, o + ihl, f[o + 9]!, changed);
}

function remapIPv6(f: Buffer, o: number, r: number): void {
  if (f.length < o + 40) return;
  const changed: number[] = [];
  for (const at of [o + 8, o + 24]) {
    if (f[at] === 0xff) continue; // multicast
    let zero = true;
    for (let i = 0; i < 16; i++) if (f[at + i] !== 0) zero = false;
    if (zero) continue; // unspecified
    const w = at + 14;
    const old = f.readUInt16BE(w);
    f.writeUInt16BE(old ^ copyMask(r), w);
    changed.push(old, f.readUInt16BE(w));
  }
  if (changed.length === 0) return;
  // Walk the extension headers that may precede the transport header.
  let next = f[o + 6]!;
  let p = o + 40;
  for (let hops = 0; hops < 8; hops++) {
    if (next === 0 || next === 43 || next === 60) {
      if (f.length < p + 8) return;
      next = f[p]!;
      p += (f[p + 1]! + 1) * 8;
    } else if (next === 44) {
      if (f.length < p + 8 || (f.readUInt16BE(p + 2) & 0xfff8) !== 0) return; // non-first fragment
      next = f[p]!;
      p += 8;
    } else {
      break;
    }
  }
  adjustTransport(f, p, next, changed);
}

/** Updates the checksum of the TCP, UDP or ICMPv6 header at `p` (its pseudo-header holds the changed words). */
function adjustTransport(f: Buffer, p: number, proto: number, changed: number[]): void {
  if (proto === 6) adjustChecksum(f, p + 16, changed, false);
  else if (proto === 17) adjustChecksum(f, p + 6, changed, true);
  else if (proto === 58) adjustChecksum(f, p + 2, changed, false);
}

/**
 * RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), for each changed word (pairs of
 * old, new in `changed`), on the checksum at `at` if it was captured. A UDP
 * checksum of 0 means "none" and stays 0; a computed 0 is sent as 0xffff.
 */
function adjustChecksum(f: Buffer, at: number, changed: number[], udp: boolean): void {
  if (f.length < at + 2) return;
  const hc = f.readUInt16BE(at);
  if (udp && hc === 0) return;
  let sum = ~hc & 0xffff;
  for (let i = 0; i < changed.length; i += 2) sum += (~changed[i]! & 0xffff) + changed[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  let out = ~sum & 0xffff;
  if (udp && out === 0) out = 0xffff;
  f.writeUInt16BE(out, at);
}
