/**
 * Builds real Ethernet frames (IPv4/IPv6, TCP/UDP/ICMP, DNS) byte by byte,
 * with correct lengths and checksums, and runs them through the project's
 * decoder and a DetectStage — so detector tests see exactly what the packet
 * path would see, at precisely chosen thresholds.
 */
import { RawFrame } from '../../src/capture/frame.js';
import { Decoder } from '../../src/decode/decoder.js';
import { Packet } from '../../src/decode/packet.js';
import { EventBus } from '../../src/events.js';
import type { DetectConfig } from '../../src/detect/config.js';
import type { Detector } from '../../src/detect/detector.js';
import { DetectStage } from '../../src/detect/stage.js';
import { flowOptions } from '../../src/flow/options.js';
import { FlowStage } from '../../src/flow/stage.js';
import type { EveAlert } from '../../src/output/eve.js';
import { parseIp } from '../../src/intel/ip.js';

function addrBytes(a: string): Uint8Array {
  const w = parseIp(a);
  if (w === null) throw new Error(`bad address ${a}`);
  const v4 = a.includes('.') && !a.includes(':');
  const out = new Uint8Array(v4 ? 4 : 16);
  const words = v4 ? [w[3]!] : Array.from(w);
  words.forEach((x, i) => {
    out[i * 4] = x >>> 24;
    out[i * 4 + 1] = (x >>> 16) & 255;
    out[i * 4 + 2] = (x >>> 8) & 255;
    out[i * 4 + 3] = x & 255;
  });
  return out;
}

function sum16(b: Uint8Array, init = 0): number {
  let s = init;
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if (b.length % 2 === 1) s += b[b.length - 1]! << 8;
  return s;
}

function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export interface L4 {
  proto: number;
  /** Header + payload, checksum field zero; `csumAt` is the checksum offset (or -1). */
  bytes: Uint8Array;
  csumAt: number;
}

export function tcp(o: { sport: number; dport: number; flags: number; seq?: number; ack?: number; window?: number; options?: number[]; payload?: Uint8Array }): L4 {
  const opts = Uint8Array.from(o.options ?? []);
  const hlen = 20 + opts.length;
  const payload = o.payload ?? new Uint8Array(0);
  const b = new Uint8Array(hlen + payload.length);
  const v = new DataView(b.buffer);
  v.setUint16(0, o.sport);
  v.setUint16(2, o.dport);
  v.setUint32(4, o.seq ?? 1000);
  v.setUint32(8, o.ack ?? 0);
  v.setUint16(12, ((hlen / 4) << 12) | (o.flags & 0x1ff));
  v.setUint16(14, o.window ?? 1024);
  b.set(opts, 20);
  b.set(payload, hlen);
  return { proto: 6, bytes: b, csumAt: 16 };
}

export function udp(o: { sport: number; dport: number; payload?: Uint8Array }): L4 {
  const payload = o.payload ?? new Uint8Array(0);
  const b = new Uint8Array(8 + payload.length);
  const v = new DataView(b.buffer);
  v.setUint16(0, o.sport);
  v.setUint16(2, o.dport);
  v.setUint16(4, b.length);
  b.set(payload, 8);
  return { proto: 17, bytes: b, csumAt: 6 };
}

/** ICMP (v4) or ICMPv6 message: type, code, 4 bytes of rest-of-header, body. */
export function icmp(o: { type: number; code?: number; rest?: number[]; body?: Uint8Array; v6?: boolean }): L4 {
  const body = o.body ?? new Uint8Array(0);
  const b = new Uint8Array(8 + body.length);
  b[0] = o.type;
  b[1] = o.code ?? 0;
  b.set(Uint8Array.from(o.rest ?? [0, 1, 0, 1]), 4);
  b.set(body, 8);
  return { proto: o.v6 === true ? 58 : 1, bytes: b, csumAt: 2 };
}

/** An IP packet (v4 or v6 from the address form) carrying `l4`; `totalLenOverride` writes a lying header. */
export function ip(src: string, dst: string, l4: L4, o: { ttl?: number; totalLenOverride?: number; id?: number } = {}): Uint8Array {
  const s = addrBytes(src);
  const d = addrBytes(dst);
  const seg = Uint8Array.from(l4.bytes);
  const pseudo = concat(s, d, Uint8Array.of(0, 0, (seg.length >>> 8) & 255, seg.length & 255, 0, 0, 0, l4.proto));
  if (l4.csumAt >= 0) {
    const c = l4.proto === 1 ? fold(sum16(seg)) : fold(sum16(seg, sum16(pseudo)));
    seg[l4.csumAt] = c >>> 8;
    seg[l4.csumAt + 1] = c & 255;
  }
  if (s.length === 4) {
    const h = new Uint8Array(20);
    const v = new DataView(h.buffer);
    h[0] = 0x45;
    v.setUint16(2, o.totalLenOverride ?? 20 + seg.length);
    v.setUint16(4, o.id ?? 1);
    h[8] = o.ttl ?? 64;
    h[9] = l4.proto;
    h.set(s, 12);
    h.set(d, 16);
    v.setUint16(10, fold(sum16(h)));
    return concat(h, seg);
  }
  const h = new Uint8Array(40);
  const v = new DataView(h.buffer);
  h[0] = 0x60;
  v.setUint16(4, o.totalLenOverride !== undefined ? o.totalLenOverride - 40 : seg.length);
  h[6] = l4.proto;
  h[7] = o.ttl ?? 64;
  h.set(s, 8);
  h.set(d, 24);
  return concat(h, seg);
}

/** Ethernet II around an IP packet; `trailer` appends bytes after it (padding / hidden data). */
export function eth(ipPkt: Uint8Array, trailer = 0): Uint8Array {
  const h = Uint8Array.of(2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0, 0);
  const v6 = ipPkt[0]! >>> 4 === 6;
  h[12] = v6 ? 0x86 : 0x08;
  h[13] = v6 ? 0xdd : 0x00;
  const frame = concat(h, ipPkt, new Uint8Array(trailer));
  // Ethernet minimum (without FCS) is 60 bytes: pad like a NIC would.
  return frame.length < 60 ? concat(frame, new Uint8Array(60 - frame.length)) : frame;
}

function dnsName(name: string): Uint8Array {
  const parts: number[] = [];
  for (const label of name.replace(/\.$/, '').split('.')) {
    if (label === '') continue;
    parts.push(label.length, ...Array.from(label, (c) => c.charCodeAt(0)));
  }
  parts.push(0);
  return Uint8Array.from(parts);
}

/** A DNS query or response for one name; responses carry `answers` records of the question's type. */
export function dns(o: { id?: number; name: string; qtype?: number; response?: boolean; rcode?: number; answers?: Uint8Array[] }): Uint8Array {
  const h = new Uint8Array(12);
  const v = new DataView(h.buffer);
  v.setUint16(0, o.id ?? 0x1234);
  const flags = o.response === true ? 0x8180 | (o.rcode ?? 0) : 0x0100;
  v.setUint16(2, flags);
  v.setUint16(4, 1);
  v.setUint16(6, o.answers?.length ?? 0);
  const q = concat(dnsName(o.name), Uint8Array.of(0, o.qtype ?? 1, 0, 1));
  const ans = (o.answers ?? []).map((rdata) => concat(Uint8Array.of(0xc0, 12, 0, o.qtype ?? 1, 0, 1, 0, 0, 0, 60, rdata.length >>> 8, rdata.length & 255), rdata));
  return concat(h, q, ...ans);
}

/** Decodes frames with the real decoder into one reused Packet, as the pipeline does. */
export class FrameDecoder {
  private readonly decoder = new Decoder();
  private readonly raw = new RawFrame();
  readonly pkt = new Packet();
  private n = 0;

  decode(bytes: Uint8Array, tsSec: number, tsNsec = 0, origLen = bytes.length, linkType = 1): Packet {
    const f = this.raw;
    f.n = ++this.n;
    f.tsSec = tsSec;
    f.tsNsec = tsNsec;
    f.origLen = origLen;
    f.capLen = bytes.length;
    f.linkType = linkType;
    f.data = bytes;
    this.decoder.decode(f, this.pkt);
    return this.pkt;
  }
}

/**
 * A DetectStage with the given detectors, collecting published alerts; feeds
 * frames with ticks like the Pipeline. With `flows`, a FlowStage (default
 * options) runs first, as in a real run, so packets carry their flow.
 */
export class Harness {
  readonly bus = new EventBus();
  readonly alerts: EveAlert[] = [];
  readonly stage: DetectStage;
  readonly flows: FlowStage | null;
  readonly logs: string[] = [];
  private readonly dec = new FrameDecoder();
  private lastSec = -1;

  constructor(detectors: Detector[], cfg: Pick<DetectConfig, 'suppress'> & { mtu?: number; flows?: boolean }) {
    this.stage = new DetectStage(detectors, { bus: this.bus, mtu: cfg.mtu ?? 1500, suppress: cfg.suppress, log: (m) => this.logs.push(m) });
    this.flows = cfg.flows === true ? new FlowStage(flowOptions()) : null;
    this.bus.on('alert', (r) => this.alerts.push(r as EveAlert));
  }

  /** Feeds one frame at time `t` (seconds, fractional). */
  feed(frame: Uint8Array, t: number, origLen = frame.length, linkType = 1): Packet {
    const sec = Math.floor(t);
    const pkt = this.dec.decode(frame, sec, Math.round((t - sec) * 1e9), origLen, linkType);
    this.flows?.onPacket(pkt);
    this.stage.onPacket(pkt);
    if (sec !== this.lastSec) {
      this.lastSec = sec;
      this.flows?.onTick(sec, 0);
      this.stage.onTick(sec);
    }
    return pkt;
  }

  async end(t: number): Promise<void> {
    await this.stage.onEnd(Math.floor(t));
  }

  signatures(): string[] {
    return this.alerts.map((a) => a.alert.signature);
  }

  count(sig: string): number {
    return this.alerts.filter((a) => a.alert.signature === sig).length;
  }
}
