/**
 * Port scans, counted as Zeek counts them: only failed attempts matter — a
 * probe answered by RST or ICMP unreachable, or not answered at all within
 * `probeTimeoutSec`. Per (scanner, victim) the unique failed destination
 * ports within a sliding window make a vertical scan (default 15 in 5 min);
 * per (scanner, port) the unique failed victims make a horizontal sweep
 * (default 25). The scan type comes from the probes' flags: SYN (crafted, no
 * or MSS-only options), connect (the OS stack's SYN with full options), FIN,
 * NULL, Xmas, ACK (counted only when answered by RST: an unanswered bare ACK
 * is ordinary traffic), UDP.
 *
 * The prototype rule (unique destination ports per source in a window, any
 * outcome) is PrototypePortScanDetector.
 */
import { type FlowRef, type Layers, type Packet, TcpFlag } from '../decode/packet.js';
import { formatIPv4, formatIPv6Words } from '../util/format.js';
import { isV6Key, loadAddrWords, srcKey, v6Key } from '../util/addr-key.js';
import { BoundedMap } from './bounded-map.js';
import type { DetectConfig } from './config.js';
import { type AlertTuple, type DetectContext, type Detector, isEstablishedBareAck, protoName, tupleOf } from './detector.js';
import { ProbeTable, Slot } from './probe-table.js';
import { SIG } from './signatures.js';

type ScanConfig = DetectConfig['portscan'];

export const ScanKind = { SYN: 1, CONNECT: 2, FIN: 3, NULL: 4, XMAS: 5, ACK: 6, UDP: 7, OTHER: 8 } as const;
const KIND_NAMES = ['', 'SYN', 'connect', 'FIN', 'NULL', 'Xmas', 'ACK', 'UDP', 'other-flags'];

const F_FIN = TcpFlag.FIN;
const F_SYN = TcpFlag.SYN;
const F_RST = TcpFlag.RST;
const F_PSH = TcpFlag.PSH;
const F_ACK = TcpFlag.ACK;
const F_URG = TcpFlag.URG;
/** Flags that classify a probe (ECN bits ignored). */
const F_CLASS = F_FIN | F_SYN | F_RST | F_PSH | F_ACK | F_URG;

/** Seconds an answered pair is remembered after its last packet. */
const ANSWERED_IDLE_SEC = 120;
/**
 * Parked answered pairs are freed this much later than ANSWERED_IDLE_SEC:
 * until then a packet of the pair that arrives out of time order still finds
 * it (as the look-up, which judges by that packet's own time, would).
 */
const REORDER_MARGIN_SEC = 60;


// Scratch address words for the packet being processed (no allocation per packet).
const S = new Uint32Array(4);
const D = new Uint32Array(4);


function wordsText(w: Uint32Array, o: number): string {
  if (w[o] === 0 && w[o + 1] === 0 && w[o + 2] === 0xffff) return formatIPv4(w[o + 3]!);
  return formatIPv6Words(w.subarray(o, o + 4));
}

function isMulticastOrBroadcast(l: Layers): boolean {
  if (l.ipVersion === 4) return l.dst4 >>> 28 === 14 || l.dst4 === 0xffffffff || (l.dst4 & 0xff) === 0xff;
  return l.dst6[0]! >>> 24 === 0xff;
}

/** Classifies a TCP segment as a probe kind, or 0 when it is not probe-like. */
function tcpProbeKind(l: Layers): number {
  const f = l.tcpFlags & F_CLASS;
  if (f === F_SYN) return l.tcpHdrLen <= 24 ? ScanKind.SYN : ScanKind.CONNECT;
  if (f === 0) return ScanKind.NULL;
  if (f === F_FIN) return ScanKind.FIN;
  if (f === (F_FIN | F_PSH | F_URG)) return ScanKind.XMAS;
  if (f === F_ACK && l.payloadLen === 0) return ScanKind.ACK;
  if ((f & (F_ACK | F_RST)) === 0) return ScanKind.OTHER;
  return 0;
}

interface ScanWindow {
  scanner: string;
  target: string;
  /** port-or-host key → [time, kind] of the last failed attempt. */
  items: Map<number, { t: number; kind: number }>;
  lastFired: number;
  proto: number;
  port: number;
}

export class PortScanDetector implements Detector {
  readonly name = 'portscan';
  private readonly probes: ProbeTable;
  private readonly vertical: BoundedMap<string, ScanWindow>;
  private readonly horizontal: BoundedMap<string | number, ScanWindow>;
  /** The windows the last failure counted towards, and their keys. */
  private lastV: ScanWindow | null = null;
  private lastVScanner = -1;
  private lastVTarget = -1;
  private lastVKind = -1;
  private lastH: ScanWindow | null = null;
  private lastHScanner = -1;
  private lastHKind = -1;
  private alerts = 0;
  private failed = 0;
  private lostPending = 0;
  /** Set by pairSlot: how the tuple sits in the slot it returned (1 as probed, -1 reversed, 0 unknown). */
  private hintDir = 0;

  /** Most failed attempts a window keeps. */
  private readonly itemCap: number;

  constructor(private readonly cfg: ScanConfig) {
    this.itemCap = 4 * Math.max(cfg.portsPerVictim, cfg.hostsPerPort);
    this.probes = new ProbeTable(cfg.maxProbes);
    this.vertical = new BoundedMap(cfg.maxKeys);
    this.horizontal = new BoundedMap(cfg.maxKeys);
  }

  onPacket(pkt: Packet, ctx: DetectContext): void {
    const l = pkt.innermost();
    if (l.ipVersion === 0 || l.ipIsFragment && !(l.hasTcp || l.hasUdp || l.hasIcmp)) return;
    if (l.hasTcp) {
      // Data segments of an exchange (ACK + payload, no SYN/FIN/RST) are neither probes nor answers to one.
      if (l.payloadLen > 0 && (l.tcpFlags & (F_SYN | F_FIN | F_RST | F_ACK)) === F_ACK) return;
      if (isEstablishedBareAck(pkt, l)) return;
      this.onTcp(l, pkt.tsSec + pkt.tsNsec / 1e9, ctx, pkt.flow);
    }
    else if (l.hasUdp) this.onUdp(l, pkt.tsSec + pkt.tsNsec / 1e9, pkt.flow);
    else if (l.hasIcmp && l.hasQuoted && l.quoted !== null) this.onIcmpError(l, l.quoted, pkt.tsSec + pkt.tsNsec / 1e9, ctx);
  }

  private onTcp(l: Layers, t: number, ctx: DetectContext, flow: FlowRef | null): void {
    const tab = this.probes;
    loadAddrWords(l, true, S);
    loadAddrWords(l, false, D);
    const f = l.tcpFlags;
    const h = this.pairSlot(flow, l.sport, l.dport, 6);
    const dir = this.hintDir;
    // An answer? Look up the reverse tuple.
    const r = dir === 0 ? this.remember(flow, this.findLive(D, S, l.dport, l.sport, 6, t)) : dir < 0 ? this.live(h, t) : -1;
    if (r >= 0) {
      if (tab.stateAt(r) === Slot.Pending) {
        if ((f & F_RST) !== 0) {
          this.fail(r, t, 'rst', ctx);
          return;
        }
        if (tab.kindAt(r) !== ScanKind.ACK || (f & F_SYN) === 0) {
          tab.setState(r, Slot.Answered);
        }
      }
      tab.setTs(r, t);
      return;
    }
    if ((f & F_RST) !== 0) return;
    const kind = tcpProbeKind(l);
    const i = dir === 0 ? this.remember(flow, this.findLive(S, D, l.sport, l.dport, 6, t)) : dir > 0 ? this.live(h, t) : -1;
    if (i >= 0) {
      // Retransmitted probes keep their first time; answered pairs stay fresh.
      if (tab.stateAt(i) === Slot.Answered) tab.setTs(i, t);
      return;
    }
    if (kind === 0 || isMulticastOrBroadcast(l)) return;
    this.remember(flow, tab.insert(S, D, l.sport, l.dport, 6, Slot.Pending, kind, t, t - ANSWERED_IDLE_SEC));
    this.accountEviction();
  }

  private onUdp(l: Layers, t: number, flow: FlowRef | null): void {
    const tab = this.probes;
    loadAddrWords(l, true, S);
    loadAddrWords(l, false, D);
    const h = this.pairSlot(flow, l.sport, l.dport, 17);
    const dir = this.hintDir;
    const r = dir === 0 ? this.remember(flow, this.findLive(D, S, l.dport, l.sport, 17, t)) : dir < 0 ? this.live(h, t) : -1;
    if (r >= 0) {
      tab.setState(r, Slot.Answered);
      tab.setTs(r, t);
      return;
    }
    const i = dir === 0 ? this.remember(flow, this.findLive(S, D, l.sport, l.dport, 17, t)) : dir > 0 ? this.live(h, t) : -1;
    if (i >= 0) {
      if (tab.stateAt(i) === Slot.Answered) tab.setTs(i, t);
      return;
    }
    // From a service port to an ephemeral one is an answer (DNS, NTP... possibly reflected), not a probe.
    if (isMulticastOrBroadcast(l) || (l.sport < 1024 && l.dport >= 1024)) return;
    this.remember(flow, tab.insert(S, D, l.sport, l.dport, 17, Slot.Pending, ScanKind.UDP, t, t - ANSWERED_IDLE_SEC));
    this.accountEviction();
  }

  /**
   * The slot holding the packet's tuple (S, D: its addresses) as the flow's
   * hint says, with `hintDir` 1 when it holds it as probed (S → D), -1 when
   * reversed (D → S), or 0 when the flow has no valid hint (then -1 and the
   * caller hashes). Knowing one direction is held tells that the other is
   * not: a probe is recorded only when its reverse is absent, so a tuple
   * pair never holds two slots.
   */
  private pairSlot(flow: FlowRef | null, sp: number, dp: number, proto: number): number {
    this.hintDir = 0;
    const h = flow === null ? -1 : this.probes.hintOf(flow.flowId);
    if (h < 0) return -1;
    if (this.probes.holds(h, D, S, dp, sp, proto)) this.hintDir = -1;
    else if (this.probes.holds(h, S, D, sp, dp, proto)) this.hintDir = 1;
    return h;
  }

  /** Notes slot `i` (when found) as the hint of `flow`; returns `i`. */
  private remember(flow: FlowRef | null, i: number): number {
    return flow === null ? i : this.probes.hint(flow.flowId, i);
  }

  /**
   * Slot of the tuple, or -1. An answered pair idle for ANSWERED_IDLE_SEC is
   * forgotten here, when next looked up, instead of by periodic sweeps: the
   * expiry ring then visits each slot once (at its probe time-out), not every
   * few seconds for as long as the pair is remembered.
   */
  private findLive(s: Uint32Array, d: Uint32Array, sp: number, dp: number, proto: number, t: number): number {
    const i = this.probes.find(s, d, sp, dp, proto);
    return i >= 0 ? this.live(i, t) : -1;
  }

  /** Slot `i` (held), or -1 after forgetting it when it is an answered pair idle for ANSWERED_IDLE_SEC. */
  private live(i: number, t: number): number {
    const tab = this.probes;
    if (tab.stateAt(i) === Slot.Answered && t - tab.tsAt(i) >= ANSWERED_IDLE_SEC) {
      tab.free(i);
      return -1;
    }
    return i;
  }

  private onIcmpError(l: Layers, q: Layers, t: number, ctx: DetectContext): void {
    const unreachable = l.ipVersion === 4 ? l.icmpType === 3 : l.icmpType === 1;
    if (!unreachable || q.ipVersion === 0 || !(q.hasTcp || q.hasUdp)) return;
    loadAddrWords(q, true, S);
    loadAddrWords(q, false, D);
    const i = this.probes.find(S, D, q.sport, q.dport, q.hasTcp ? 6 : 17);
    if (i >= 0 && this.probes.stateAt(i) === Slot.Pending) this.fail(i, t, `icmp-unreachable code ${l.icmpCode}`, ctx);
  }

  private accountEviction(): void {
    if (this.probes.lastEvictedState === Slot.Pending) this.lostPending++;
  }

  /** A failed attempt: count it towards both scan kinds, free the slot. */
  private fail(i: number, t: number, how: string, ctx: DetectContext): void {
    const tab = this.probes;
    const kind = tab.kindAt(i);
    const proto = tab.protoAt(i);
    const dport = tab.dportAt(i);
    const when = how === 'timeout' ? tab.tsAt(i) : t;
    const so = tab.srcAt(i);
    const dO = tab.dstAt(i);
    const sk = wordKey(tab.rec, so);
    const dk = wordKey(tab.rec, dO);
    this.failed++;
    // One window per probe type: a FIN scan after a SYN scan is a new finding, and types do not dilute each other.
    // A scan fails many probes in a row against the same window, so the window used last is kept at hand:
    // it is already the most recently used entry, and looking it up again would change nothing.
    let v = this.lastV;
    if (v === null || sk !== this.lastVScanner || dk !== this.lastVTarget || kind !== this.lastVKind) {
      const vKey = `${sk}>${dk}#${kind}`;
      v = this.vertical.get(vKey) ?? null;
      if (v === null) {
        v = { scanner: wordsText(tab.rec, so), target: wordsText(tab.rec, dO), items: new Map(), lastFired: -Infinity, proto, port: 0 };
        this.vertical.set(vKey, v);
      }
      this.lastV = v;
      this.lastVScanner = sk;
      this.lastVTarget = dk;
      this.lastVKind = kind;
    }
    let h = this.lastH;
    if (h === null || sk !== this.lastHScanner || proto !== h.proto || dport !== h.port || kind !== this.lastHKind) {
      const hKey = horizontalKey(sk, proto, dport, kind);
      h = this.horizontal.get(hKey) ?? null;
      if (h === null) {
        h = { scanner: v.scanner, target: '', items: new Map(), lastFired: -Infinity, proto, port: dport };
        this.horizontal.set(hKey, h);
      }
      this.lastH = h;
      this.lastHScanner = sk;
      this.lastHKind = kind;
    }
    tab.free(i);
    this.add(v, proto * 65536 + dport, kind, when);
    this.add(h, dk, kind, when);
    h.target = v.target;
    this.check(v, this.cfg.portsPerVictim, when, true, how, ctx);
    this.check(h, this.cfg.hostsPerPort, when, false, how, ctx);
  }

  private add(w: ScanWindow, key: number, kind: number, t: number): void {
    const items = w.items;
    const e = items.get(key);
    if (e === undefined) items.set(key, { t, kind });
    else {
      // Re-inserted at the end with its new time (the entry object is reused).
      items.delete(key);
      e.t = t;
      e.kind = kind;
      items.set(key, e);
    }
    // Keep the window bounded: old entries leave first (Map keeps insertion order).
    if (items.size > this.itemCap) items.delete(items.keys().next().value!);
  }

  private check(w: ScanWindow, threshold: number, t: number, vertical: boolean, how: string, ctx: DetectContext): void {
    if (w.items.size < threshold) return;
    const from = t - this.cfg.windowSec;
    for (const [k, e] of w.items) {
      if (e.t >= from) break;
      w.items.delete(k);
    }
    if (w.items.size < threshold || t - w.lastFired < this.cfg.windowSec) return;
    w.lastFired = t;
    const kinds = new Map<number, number>();
    for (const e of w.items.values()) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
    let best = 0;
    let bestN = -1;
    for (const [k, n] of kinds) if (n > bestN) [best, bestN] = [k, n];
    const byKind: Record<string, number> = {};
    for (const [k, n] of kinds) byKind[KIND_NAMES[k]!] = n;
    const sec = Math.floor(t);
    const tuple: AlertTuple = {
      srcIp: w.scanner,
      srcPort: null,
      destIp: vertical ? w.target : '',
      destPort: vertical ? null : w.port,
      proto: protoName(w.proto),
      flowId: null,
      communityId: null,
    };
    this.alerts++;
    const sample = [...w.items.keys()].slice(0, 20);
    ctx.alert({
      tsSec: sec,
      tsNsec: Math.round((t - sec) * 1e9),
      tuple,
      sig: vertical ? SIG.verticalScan : SIG.horizontalScan,
      detector: this.name,
      trackBy: `${w.scanner} ${vertical ? w.target : w.port} ${KIND_NAMES[best]}`,
      evidence: {
        scan_type: KIND_NAMES[best],
        scanner: w.scanner,
        ...(vertical ? { target: w.target, failed_ports: w.items.size } : { port: w.port, failed_hosts: w.items.size }),
        threshold,
        window_sec: this.cfg.windowSec,
        probes_by_type: byKind,
        last_failure: how,
        ...(vertical ? { sample_ports: sample.map((k) => k % 65536) } : {}),
      },
    });
  }

  onTick(tsSec: number, ctx: DetectContext): void {
    this.expire(tsSec, this.cfg.probeTimeoutSec, ctx);
    this.probes.freeIdle(tsSec, ANSWERED_IDLE_SEC + REORDER_MARGIN_SEC);
  }

  private sweepCtx: DetectContext | null = null;
  private sweepTimeout = 0;

  /** Pending probes older than `timeout` failed (no answer); idle answered pairs are forgotten. */
  private expire(now: number, timeout: number, ctx: DetectContext): void {
    if (this.probes.used === 0) return;
    this.sweepCtx = ctx;
    this.sweepTimeout = timeout;
    this.probes.sweep(now - timeout, now, this);
    this.sweepCtx = null;
  }

  /** SlotVisitor: called by the probe table for entries queued before the cut-off. */
  visitSlot(i: number, now: number): boolean {
    const tab = this.probes;
    const age = now - tab.tsAt(i);
    if (tab.stateAt(i) === Slot.Pending) {
      if (age < this.sweepTimeout) return true;
      // A bare ACK nobody answered is ordinary traffic, not a failed probe.
      if (tab.kindAt(i) === ScanKind.ACK) tab.free(i);
      else this.fail(i, now, 'timeout', this.sweepCtx!);
      return false;
    }
    // Answered: the pair stays until a look-up or insert finds it idle, or freeIdle (or the end of input) frees it.
    if (this.sweepTimeout === 0) tab.free(i);
    else tab.park(i, now);
    return false;
  }

  onEnd(tsSec: number, ctx: DetectContext): void {
    // End of input: whatever is still unanswered will never be answered.
    this.expire(tsSec + 1e9, 0, ctx);
  }

  stats(): Record<string, number> {
    return {
      alerts: this.alerts,
      failedAttempts: this.failed,
      probeSlotsUsed: this.probes.used,
      probesEvicted: this.probes.evicted,
      pendingProbesLost: this.lostPending,
      verticalKeys: this.vertical.size,
      verticalEvicted: this.vertical.evicted,
      horizontalKeys: this.horizontal.size,
      horizontalEvicted: this.horizontal.evicted,
    };
  }
}

/** Numeric key of four address words (IPv4-mapped → the IPv4 value; IPv6 → its util/addr-key.ts key). */
function wordKey(w: Uint32Array, o: number): number {
  if (w[o] === 0 && w[o + 1] === 0 && w[o + 2] === 0xffff) return w[o + 3]!;
  return v6Key(w, o);
}

/**
 * Key of a (scanner, protocol/port, probe kind) window: a number for IPv4
 * scanners (32 + 1 + 16 + 4 bits stay below 2^53), text for IPv6 ones.
 */
function horizontalKey(sk: number, proto: number, dport: number, kind: number): string | number {
  if (!isV6Key(sk)) return sk * 2097152 + (proto === 6 ? 1048576 : 0) + dport * 16 + kind;
  return `${sk}:${proto}/${dport}#${kind}`;
}

/** The prototype's rule: unique destination ports per source within a window, whatever the answer. */
export class PrototypePortScanDetector implements Detector {
  readonly name = 'portscan';
  private readonly sources: BoundedMap<number, { ports: Map<number, number>; fired: boolean }>;
  private alerts = 0;

  constructor(private readonly cfg: ScanConfig) {
    this.sources = new BoundedMap(cfg.maxKeys);
  }

  onPacket(pkt: Packet, ctx: DetectContext): void {
    const l = pkt.innermost();
    if (!(l.hasTcp || l.hasUdp)) return;
    const key = srcKey(l);
    let s = this.sources.get(key);
    if (s === undefined) {
      s = { ports: new Map(), fired: false };
      this.sources.set(key, s);
    }
    const t = pkt.tsSec;
    s.ports.delete(l.dport);
    s.ports.set(l.dport, t);
    const { threshold, windowSec } = this.cfg.prototype;
    if (s.ports.size <= threshold) return;
    for (const [p, pt] of s.ports) {
      if (t - pt < windowSec) break;
      s.ports.delete(p);
    }
    if (s.ports.size <= threshold) {
      s.fired = false;
      return;
    }
    // Bound the set: the threshold was crossed, older ports add nothing.
    while (s.ports.size > threshold + 1) s.ports.delete(s.ports.keys().next().value!);
    if (s.fired) return;
    s.fired = true;
    this.alerts++;
    ctx.alert({
      tsSec: pkt.tsSec,
      tsNsec: pkt.tsNsec,
      tuple: tupleOf(pkt, l),
      sig: SIG.protoPortScan,
      detector: this.name,
      evidence: { unique_dst_ports: s.ports.size, threshold, window_sec: windowSec },
    });
  }

  stats(): Record<string, number> {
    return { alerts: this.alerts, sources: this.sources.size, sourcesEvicted: this.sources.evicted };
  }
}
