/**
 * Floods against one destination, per second of packet time: SYN (plus the
 * half-open connections it leaves), UDP (mostly unanswered datagrams), ICMP,
 * TCP reflection (SYN-ACK/RST backscatter) and UDP amplification (response
 * bytes from amplifying services vs the request bytes the victim sent).
 * Each rate fires at a fixed hard limit, or above `minRate` when it exceeds
 * `baselineFactor` times the destination's EWMA baseline. Seconds that fired
 * are not learned, so a long flood does not become the baseline.
 */
import { type Layers, type Packet, TcpFlag } from '../decode/packet.js';
import { dstKey, srcKey } from '../util/addr-key.js';
import { BoundedMap } from './bounded-map.js';
import type { DetectConfig } from './config.js';
import { type DetectContext, type Detector, dstAddrText, isEstablishedBareAck, srcAddrText, tupleOf } from './detector.js';
import { ProbeTable, Slot } from './probe-table.js';
import { SIG } from './signatures.js';
import { loadAddrWords } from '../util/addr-key.js';

type FloodConfig = DetectConfig['flood'];

const K_SYN = 0;
const K_UDP = 1;
const K_ICMP = 2;
const K_REFL = 3;
const K_AMP = 4;
const KINDS = 5;
const KIND_NAMES = ['syn', 'udp', 'icmp', 'reflection', 'amplification'];

class DstRate {
  sec = -1;
  readonly count = new Float64Array(KINDS);
  readonly ewma = new Float64Array(KINDS);
  readonly fired = new Uint8Array(KINDS);
  /** UDP datagrams the destination sent this second (answers). */
  udpOut = 0;
  /** Bytes the destination sent to amplifying ports this second (its own requests). */
  ampReq = 0;
  /** Amplifying port seen this second (names the service; fragments inherit it). */
  ampPort = 0;
  halfOpen = 0;
  halfOpenFired = false;
  /** Port of the previous SYN / backscatter packet and how often it changed this second (scan vs flood). */
  synPort = -1;
  synPortChanges = 0;
  reflPort = -1;
  reflPortChanges = 0;
  /** Echo requests this destination sent this second (its echo replies are answers, not a flood). */
  echoOut = 0;
  /** Handshakes to this destination completed this second (client's ACK after SYN). */
  completed = 0;
  constructor(readonly ip: string) {}
}

const S = new Uint32Array(4);
const D = new Uint32Array(4);

/** The packet's flow id for the half-open table's hints (0: no flow stage). */
function flowIdOf(pkt: Packet): number {
  return pkt.flow === null ? 0 : pkt.flow.flowId;
}


export class FloodDetector implements Detector {
  readonly name = 'flood';
  private readonly dsts: BoundedMap<number, DstRate>;
  private readonly halfOpen: ProbeTable;
  /** Destination key of each half-open slot (to decrement the right counter). */
  private readonly halfOpenDst: Float64Array;
  private readonly ampPorts = new Uint8Array(65536);
  private readonly ampNames: string[] = [''];
  private readonly limits: Array<{ enabled: boolean; minRate: number; hardLimit: number }>;
  private alerts = 0;

  constructor(private readonly cfg: FloodConfig) {
    this.dsts = new BoundedMap(cfg.maxDestinations);
    this.halfOpen = new ProbeTable(cfg.syn.maxHalfOpen);
    this.halfOpenDst = new Float64Array(this.halfOpen.cap);
    for (const [port, name] of Object.entries(cfg.amplification.ports)) {
      const p = Number(port);
      if (p > 0 && p < 65536) {
        this.ampPorts[p] = this.ampNames.length;
        this.ampNames.push(name);
      }
    }
    const amp = cfg.amplification;
    this.limits = [cfg.syn, cfg.udp, cfg.icmp, cfg.reflection, { enabled: amp.enabled, minRate: amp.minBytesPerSec, hardLimit: Infinity }];
  }

  private rate(key: number, l: Layers, src: boolean, sec: number): DstRate {
    let r = this.dsts.peek(key);
    if (r === undefined) {
      r = new DstRate(src ? srcAddrText(l) : dstAddrText(l));
      this.dsts.set(key, r);
    }
    if (r.sec !== sec) this.roll(r, sec);
    return r;
  }

  /** Closes the previous second into the baseline, decaying over idle seconds. */
  private roll(r: DstRate, sec: number): void {
    const a = this.cfg.ewmaAlpha;
    if (r.sec >= 0) {
      const idle = Math.min(3600, sec - r.sec - 1);
      const decay = idle > 0 ? Math.pow(1 - a, idle) : 1;
      for (let k = 0; k < KINDS; k++) {
        if (r.fired[k] === 0) r.ewma[k] = a * r.count[k]! + (1 - a) * r.ewma[k]!;
        r.ewma[k]! *= decay;
        r.count[k] = 0;
        r.fired[k] = 0;
      }
    }
    r.sec = sec;
    r.udpOut = 0;
    r.synPortChanges = 0;
    r.reflPortChanges = 0;
    r.echoOut = 0;
    r.completed = 0;
    r.ampReq = 0;
    r.ampPort = 0;
  }

  onPacket(pkt: Packet, ctx: DetectContext): void {
    const l = pkt.innermost();
    if (l.ipVersion === 0) return;
    const sec = pkt.tsSec;
    if (l.hasTcp) {
      const f = l.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK | TcpFlag.RST | TcpFlag.FIN);
      if (f === TcpFlag.SYN) {
        const r = this.rate(dstKey(l), l, false, sec);
        if (l.dport !== r.synPort) {
          r.synPort = l.dport;
          r.synPortChanges++;
        }
        this.trackHalfOpen(l, r, pkt, ctx);
        this.bump(r, K_SYN, 1, pkt, l, ctx);
      } else if (f === (TcpFlag.SYN | TcpFlag.ACK) || (f & TcpFlag.RST) !== 0) {
        // An answer to a SYN the destination itself sent is solicited, not backscatter.
        const solicited = this.halfOpen.used > 0 && this.answersHalfOpen(l, flowIdOf(pkt));
        if ((f & TcpFlag.RST) !== 0) this.closeHalfOpen(l, true, flowIdOf(pkt));
        if (solicited) return;
        const r = this.rate(dstKey(l), l, false, sec);
        if (l.dport !== r.reflPort) {
          r.reflPort = l.dport;
          r.reflPortChanges++;
        }
        this.bump(r, K_REFL, 1, pkt, l, ctx);
      } else if (f === TcpFlag.ACK && l.payloadLen === 0 && this.halfOpen.used > 0 && !isEstablishedBareAck(pkt, l)) this.closeHalfOpen(l, false, flowIdOf(pkt));
      return;
    }
    if (l.hasUdp || (l.ipIsFragment && l.ipFragOffset > 0)) {
      this.onUdp(pkt, l, sec, ctx);
      return;
    }
    if (l.hasIcmp) {
      // Neighbour discovery is link housekeeping, not traffic to the host.
      if (l.ipVersion === 6 && l.icmpType >= 133 && l.icmpType <= 137) return;
      const echoReq = l.ipVersion === 4 ? 8 : 128;
      const echoRep = l.ipVersion === 4 ? 0 : 129;
      if (l.icmpType === echoReq) {
        const sender = this.dsts.peek(srcKey(l));
        if (sender !== undefined && sender.sec === sec) sender.echoOut++;
      }
      const r = this.rate(dstKey(l), l, false, sec);
      // Replies to the destination's own pings are answers (the pinger of a flood gets them too).
      if (l.icmpType === echoRep && r.echoOut > 0) {
        r.echoOut--;
        return;
      }
      this.bump(r, K_ICMP, 1, pkt, l, ctx);
    }
  }

  private onUdp(pkt: Packet, l: Layers, sec: number, ctx: DetectContext): void {
    const r = this.rate(dstKey(l), l, false, sec);
    if (!l.hasUdp) {
      // A non-first fragment: part of an amplified answer when one arrived this second.
      if (r.ampPort !== 0) this.bump(r, K_AMP, pkt.len, pkt, l, ctx);
      return;
    }
    const sender = this.dsts.peek(srcKey(l));
    if (sender !== undefined && sender.sec === sec) {
      sender.udpOut++;
      if (this.ampPorts[l.dport] !== 0) sender.ampReq += pkt.len;
    }
    const amp = this.ampPorts[l.sport]!;
    if (amp !== 0) {
      r.ampPort = l.sport;
      this.bump(r, K_AMP, pkt.len, pkt, l, ctx);
    } else this.bump(r, K_UDP, 1, pkt, l, ctx);
  }

  private bump(r: DstRate, k: number, n: number, pkt: Packet, l: Layers, ctx: DetectContext): void {
    const c = (r.count[k]! += n);
    if (r.fired[k] !== 0) return;
    const lim = this.limits[k]!;
    if (!lim.enabled) return;
    const base = r.ewma[k]!;
    const byBaseline = c >= lim.minRate && c > this.cfg.baselineFactor * base;
    if (c < lim.hardLimit && !byBaseline) return;
    if (k === K_UDP && r.udpOut > this.cfg.udp.maxReplyRatio * c) return;
    // SYNs spread over many ports are a scan (the scan detector's job), not a flood of one service;
    // a random-port SYN flood still shows as half-open connections.
    if (k === K_SYN && r.synPortChanges > c / 2 && c < lim.hardLimit) return;
    // Many SYNs whose handshakes complete are load (a busy service), not a flood.
    if (k === K_SYN && r.completed > c / 2 && c < lim.hardLimit) return;
    // Backscatter of a reflection attack arrives on the victim's many (spoofed) ports; RSTs to one
    // port are a scanner's or flooder's own replies.
    if (k === K_REFL && r.reflPortChanges <= c / 2 && c < lim.hardLimit) return;
    if (k === K_AMP && c < this.cfg.amplification.ratio * r.ampReq) return;
    r.fired[k] = 1;
    const rounded = Math.round(base * 100) / 100;
    const evidence: Record<string, unknown> = {
      flood: KIND_NAMES[k],
      victim: r.ip,
      [k === K_AMP ? 'bytes_this_second' : 'packets_this_second']: c,
      baseline_ewma: rounded,
      baseline_factor: this.cfg.baselineFactor,
      min_rate: lim.minRate,
      bound: c >= lim.hardLimit ? 'rate >= hard_limit' : 'rate > baseline_factor * baseline and >= min_rate',
      last_source: srcAddrText(l),
    };
    if (Number.isFinite(lim.hardLimit)) evidence.hard_limit = lim.hardLimit;
    if (k === K_SYN) evidence.half_open = r.halfOpen;
    if (k === K_UDP) evidence.answered = r.udpOut;
    if (k === K_AMP) {
      evidence.service = this.ampNames[this.ampPorts[r.ampPort]!];
      evidence.request_bytes = r.ampReq;
      evidence.ratio_min = this.cfg.amplification.ratio;
    }
    const sig = k === K_SYN ? SIG.synFlood : k === K_UDP ? SIG.udpFlood : k === K_ICMP ? SIG.icmpFlood : k === K_REFL ? SIG.tcpReflection : SIG.amplification;
    this.fire(pkt, l, sig, evidence, r.ip, ctx);
  }

  private fire(pkt: Packet, l: Layers, sig: (typeof SIG)[keyof typeof SIG], evidence: Record<string, unknown>, victim: string, ctx: DetectContext): void {
    this.alerts++;
    if (evidence.flood === 'amplification') evidence.attack = `${String(evidence.service)} amplification`;
    ctx.alert({ tsSec: pkt.tsSec, tsNsec: pkt.tsNsec, tuple: tupleOf(pkt, l), sig, detector: this.name, evidence, trackBy: `victim ${victim}` });
  }

  private trackHalfOpen(l: Layers, r: DstRate, pkt: Packet, ctx: DetectContext): void {
    const tab = this.halfOpen;
    loadAddrWords(l, true, S);
    loadAddrWords(l, false, D);
    const flowId = flowIdOf(pkt);
    if (tab.findHinted(flowId, S, D, l.sport, l.dport, 6) >= 0) return;
    const t = pkt.tsSec + pkt.tsNsec / 1e9;
    const i = tab.hint(flowId, tab.insert(S, D, l.sport, l.dport, 6, Slot.Pending, 0, t));
    if (tab.lastEvictedState !== Slot.Empty) this.decrement(this.halfOpenDst[i]!);
    this.halfOpenDst[i] = dstKey(l);
    r.halfOpen++;
    // A scanner probing many filtered ports leaves half-open connections too: that is the scan detector's case.
    const spread = r.synPortChanges > (r.count[K_SYN]! + 1) / 2;
    if (!r.halfOpenFired && r.halfOpen >= this.cfg.syn.halfOpenLimit && this.cfg.syn.enabled && !spread) {
      r.halfOpenFired = true;
      this.fire(pkt, l, SIG.synFlood, {
        flood: 'syn',
        victim: r.ip,
        half_open: r.halfOpen,
        bound: 'half_open >= half_open_limit',
        half_open_limit: this.cfg.syn.halfOpenLimit,
        half_open_timeout_sec: this.cfg.syn.halfOpenTimeoutSec,
        last_source: srcAddrText(l),
      }, r.ip, ctx);
    }
  }

  /** True when the packet travels back along a half-open connection (server → client). */
  private answersHalfOpen(l: Layers, flowId: number): boolean {
    loadAddrWords(l, true, S);
    loadAddrWords(l, false, D);
    return this.halfOpen.findHinted(flowId, D, S, l.dport, l.sport, 6) >= 0;
  }

  /** The client's ACK (handshake done) or either side's RST ends a half-open connection. */
  private closeHalfOpen(l: Layers, rst: boolean, flowId: number): void {
    loadAddrWords(l, true, S);
    loadAddrWords(l, false, D);
    let i = this.halfOpen.findHinted(flowId, S, D, l.sport, l.dport, 6);
    if (i < 0 && rst) i = this.halfOpen.findHinted(flowId, D, S, l.dport, l.sport, 6);
    if (i < 0) return;
    const key = this.halfOpenDst[i]!;
    this.decrement(key);
    this.halfOpen.free(i);
    if (!rst) {
      const r = this.dsts.peek(key);
      if (r !== undefined) r.completed++;
    }
  }

  private decrement(key: number): void {
    const r = this.dsts.peek(key);
    if (r !== undefined && r.halfOpen > 0) {
      r.halfOpen--;
      if (r.halfOpen < this.cfg.syn.halfOpenLimit / 2) r.halfOpenFired = false;
    }
  }

  onTick(tsSec: number): void {
    if (this.halfOpen.used > 0) this.halfOpen.sweep(tsSec - this.cfg.syn.halfOpenTimeoutSec, tsSec, this);
  }

  /** SlotVisitor: a half-open entry past its time-out is forgotten. */
  visitSlot(i: number, now: number): boolean {
    if (now - this.halfOpen.tsAt(i) < this.cfg.syn.halfOpenTimeoutSec) return true;
    this.decrement(this.halfOpenDst[i]!);
    this.halfOpen.free(i);
    return false;
  }

  stats(): Record<string, number> {
    return {
      alerts: this.alerts,
      destinations: this.dsts.size,
      destinationsEvicted: this.dsts.evicted,
      halfOpenSlotsUsed: this.halfOpen.used,
      halfOpenEvicted: this.halfOpen.evicted,
    };
  }
}
