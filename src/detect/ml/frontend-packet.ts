/**
 * AfterImage input from our decoded Packet, following Kitsune-py's
 * FeatureExtractor rules (see frontend-tshark.ts and the kitsune dataset
 * README) without building strings:
 *
 * - "IP": the first IPv4 header (outer first, tunnels after), else the first
 *   IPv6 header, else for ARP the ARP sender/target protocol addresses, else
 *   (no IP, no ports) the MAC addresses stand in.
 * - "ports": the first TCP and first UDP ports, the ICMP-quoted ones included
 *   (an ICMP error quoting UDP takes the quoted ports unswapped), with the
 *   protocol left out as in the reference (TCP 53 and UDP 53 are one socket
 *   there, since its port is the text tcp.srcport + udp.srcport); else `arp`
 *   for ARP, `icmp` for ICMPv4; ICMPv6 and other port-less protocols keep none.
 * - HpHp keys of ARP frames are the MACs.
 *
 * Keys are tuples of uint32 words. Kitsune-py's keys are string concatenations
 * ('198.18.0.2'+'80'), so two different (IP, port) pairs can share a key there
 * ('1.2.3.4'+'56' = '1.2.3.45'+'6'); words keep them apart. That is the only
 * intended difference from the tshark path.
 */
import type { Layers, Packet } from '../../decode/packet.js';
import { AfterImage, Slot } from './afterimage.js';
import { WordKeyIndex } from './keys.js';
import type { StreamGroup } from './streams.js';

const ADDR_MAC = 2;
const ADDR_V4 = 4;
const ADDR_V6 = 6;
/** Port words: absent, and the `arp`/`icmp` markers (real ports are < 0x10000). */
const PORT_NONE = 0x10000;
const PORT_ARP = 0x20000;
const PORT_ICMP = 0x30000;

/** Words per address: kind + 4. */
const AW = 5;
/** Words per endpoint (address + port word + second port word, used only when a frame has both TCP and UDP). */
const EW = AW + 2;

class WordGroupKeys {
  readonly index: WordKeyIndex;
  constructor(
    private readonly group: StreamGroup,
    width: number,
  ) {
    this.index = new WordKeyIndex(width, 1024);
    group.index = this.index;
  }
  get key(): Uint32Array {
    return this.index.key;
  }
  id(t: number): number {
    let id = this.index.find();
    if (id < 0) {
      id = this.group.create(t);
      this.index.add(id);
    }
    return id;
  }
}

export class PacketFrontEnd {
  /** Scratch endpoint words of the current frame. */
  private readonly src = new Uint32Array(EW);
  private readonly dst = new Uint32Array(EW);
  private readonly hpSrc = new Uint32Array(EW);
  private readonly hpDst = new Uint32Array(EW);
  private readonly srcMac = new Uint32Array(2);
  private readonly dstMac = new Uint32Array(2);
  private readonly mi: WordGroupKeys;
  private readonly h: WordGroupKeys | null;
  private readonly hh: WordGroupKeys;
  private readonly jit: WordGroupKeys;
  private readonly hp: WordGroupKeys;
  private readonly paper: boolean;

  constructor(readonly ai: AfterImage) {
    this.paper = ai.layout === 'paper115';
    this.mi = new WordGroupKeys(ai.mi, 2 + AW);
    this.h = ai.h !== null ? new WordGroupKeys(ai.h, AW) : null;
    this.hh = new WordGroupKeys(ai.hh, this.paper ? 2 * AW : AW);
    this.jit = new WordGroupKeys(ai.jit, 2 * AW);
    this.hp = new WordGroupKeys(ai.hp, this.paper ? 2 * EW : EW);
  }

  /** Computes the feature vector of `pkt` into `out`. */
  process(pkt: Packet, out: Float64Array): void {
    const t = pkt.time;
    this.extract(pkt);
    const ai = this.ai;
    ai.maintain(t);
    const ids = ai.ids;
    const src = this.src;
    const dst = this.dst;

    let k = this.mi.key;
    k[0] = this.srcMac[0]!;
    k[1] = this.srcMac[1]!;
    for (let i = 0; i < AW; i++) k[2 + i] = src[i]!;
    ids[Slot.MI] = this.mi.id(t);

    k = this.jit.key;
    for (let i = 0; i < AW; i++) {
      k[i] = src[i]!;
      k[AW + i] = dst[i]!;
    }
    ids[Slot.JIT] = this.jit.id(t);

    // HpHp keys of ARP frames are the MACs (with no ports, as a MAC-only frame's key is in the reference).
    let hs: Uint32Array = src;
    let hd: Uint32Array = dst;
    if (src[AW] === PORT_ARP) {
      hs = this.macEndpoint(this.hpSrc, this.srcMac);
      hd = this.macEndpoint(this.hpDst, this.dstMac);
    }
    if (!this.paper) {
      k = this.hh.key;
      for (let i = 0; i < AW; i++) k[i] = src[i]!;
      ids[Slot.HH_SRC] = this.hh.id(t);
      for (let i = 0; i < AW; i++) k[i] = dst[i]!;
      ids[Slot.HH_DST] = this.hh.id(t);
      // Word loops rather than k.set: TypedArray.prototype.set is a builtin call per key.
      k = this.hp.key;
      for (let i = 0; i < EW; i++) k[i] = hs[i]!;
      ids[Slot.HP_SRC] = this.hp.id(t);
      for (let i = 0; i < EW; i++) k[i] = hd[i]!;
      ids[Slot.HP_DST] = this.hp.id(t);
    } else {
      k = this.h!.key;
      for (let i = 0; i < AW; i++) k[i] = src[i]!;
      ids[Slot.H] = this.h!.id(t);
      k = this.hh.key;
      for (let i = 0; i < AW; i++) {
        k[i] = src[i]!;
        k[AW + i] = dst[i]!;
      }
      ids[Slot.HH_SRC] = this.hh.id(t);
      for (let i = 0; i < AW; i++) {
        k[i] = dst[i]!;
        k[AW + i] = src[i]!;
      }
      ids[Slot.HH_DST] = this.hh.id(t);
      k = this.hp.key;
      for (let i = 0; i < EW; i++) {
        k[i] = hs[i]!;
        k[EW + i] = hd[i]!;
      }
      ids[Slot.HP_SRC] = this.hp.id(t);
      for (let i = 0; i < EW; i++) {
        k[i] = hd[i]!;
        k[EW + i] = hs[i]!;
      }
      ids[Slot.HP_DST] = this.hp.id(t);
    }
    ai.compute(pkt.len, t, out);
  }

  private macEndpoint(e: Uint32Array, mac: Uint32Array): Uint32Array {
    e[0] = ADDR_MAC;
    e[1] = mac[0]!;
    e[2] = mac[1]!;
    e[3] = 0;
    e[4] = 0;
    e[AW] = PORT_NONE;
    e[AW + 1] = PORT_NONE;
    return e;
  }

  /** Fills src/dst endpoint words (address kind 0 = none) and the MACs by the reference's rules. */
  private extract(pkt: Packet): void {
    const b = pkt.bytes;
    const src = this.src;
    const dst = this.dst;
    if (pkt.hasEth && pkt.ethOff + 12 <= pkt.caplen) {
      const o = pkt.byteStart + pkt.ethOff;
      this.dstMac[0] = (b[o]! << 8) | b[o + 1]!;
      this.dstMac[1] = ((b[o + 2]! << 24) | (b[o + 3]! << 16) | (b[o + 4]! << 8) | b[o + 5]!) >>> 0;
      this.srcMac[0] = (b[o + 6]! << 8) | b[o + 7]!;
      this.srcMac[1] = ((b[o + 8]! << 24) | (b[o + 9]! << 16) | (b[o + 10]! << 8) | b[o + 11]!) >>> 0;
    } else {
      this.srcMac[0] = this.srcMac[1] = this.dstMac[0] = this.dstMac[1] = 0;
    }
    src.fill(0);
    dst.fill(0);
    // Addresses: first IPv4 level, else first IPv6 level (tshark's ip.src is checked before ipv6.src).
    const ipl = firstIpLevel(pkt, 4) ?? firstIpLevel(pkt, 6);
    if (ipl !== null) {
      if (ipl.ipVersion === 4) {
        src[0] = dst[0] = ADDR_V4;
        src[1] = ipl.src4;
        dst[1] = ipl.dst4;
      } else {
        src[0] = dst[0] = ADDR_V6;
        for (let i = 0; i < 4; i++) {
          src[1 + i] = ipl.src6[i]!;
          dst[1 + i] = ipl.dst6[i]!;
        }
      }
    }
    // Ports: first TCP and first UDP header, ICMP-quoted ones included.
    let tcpS = PORT_NONE;
    let tcpD = PORT_NONE;
    let udpS = PORT_NONE;
    let udpD = PORT_NONE;
    let icmp4 = false;
    let cur: Layers | null = pkt;
    while (cur !== null) {
      if (cur.hasTcp && tcpS === PORT_NONE) {
        tcpS = cur.sport;
        tcpD = cur.dport;
      } else if (cur.hasUdp && udpS === PORT_NONE) {
        udpS = cur.sport;
        udpD = cur.dport;
      }
      if (cur.hasIcmp && cur.ipVersion === 4) icmp4 = true;
      const q: Layers | null = cur.hasQuoted ? cur.quoted : null;
      if (q !== null) {
        if (q.hasTcp && tcpS === PORT_NONE) {
          tcpS = q.sport;
          tcpD = q.dport;
        } else if (q.hasUdp && udpS === PORT_NONE) {
          udpS = q.sport;
          udpD = q.dport;
        }
      }
      cur = cur.encap !== 0 ? cur.inner : null;
    }
    if (tcpS !== PORT_NONE || udpS !== PORT_NONE) {
      // Kitsune-py's port is the string tcp.srcport + udp.srcport: TCP 53 and UDP 53 are the same socket.
      const both = tcpS !== PORT_NONE && udpS !== PORT_NONE;
      src[AW] = tcpS !== PORT_NONE ? tcpS : udpS;
      src[AW + 1] = both ? udpS : PORT_NONE;
      dst[AW] = tcpD !== PORT_NONE ? tcpD : udpD;
      dst[AW + 1] = both ? udpD : PORT_NONE;
      return;
    }
    if (pkt.hasArp) {
      src[AW] = src[AW + 1] = dst[AW] = dst[AW + 1] = PORT_ARP;
      src.fill(0, 0, AW);
      dst.fill(0, 0, AW);
      // arp.src.proto_ipv4 exists only for IPv4-over-Ethernet ARP; otherwise the "IP" is empty.
      if (pkt.arpPtype === 0x0800 && pkt.arpPlen === 4 && pkt.arpTpaOff + 4 <= pkt.caplen) {
        src[0] = dst[0] = ADDR_V4;
        src[1] = readU32(b, pkt.byteStart + pkt.arpSpaOff);
        dst[1] = readU32(b, pkt.byteStart + pkt.arpTpaOff);
      }
      return;
    }
    src[AW] = src[AW + 1] = dst[AW] = dst[AW + 1] = icmp4 ? PORT_ICMP : PORT_NONE;
    if (!icmp4 && ipl === null) {
      // No IP and no ports (STP, LLDP...): the MACs stand in for the IPs.
      src[0] = dst[0] = ADDR_MAC;
      src[1] = this.srcMac[0]!;
      src[2] = this.srcMac[1]!;
      dst[1] = this.dstMac[0]!;
      dst[2] = this.dstMac[1]!;
    }
  }
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function firstIpLevel(pkt: Packet, version: number): Layers | null {
  let cur: Layers | null = pkt;
  while (cur !== null) {
    if (cur.ipVersion === version) return cur;
    cur = cur.encap !== 0 ? cur.inner : null;
  }
  return null;
}
