/**
 * The flow stage: bidirectional flow table with timeouts, TCP state and the
 * streaming feature accumulators (docs/features.md). Per packet it builds
 * the key into a reused array, finds the flow in an open-addressing index,
 * and updates numbers in a Float64Array slab: no allocation on the common
 * path. Time is packet time, so files and live capture behave the same.
 *
 * Ended flows become FlowRecords (EVE `flow` shape) handed to the sinks.
 */
import { RawFrame } from '../capture/frame.js';
import { Decoder, LinkType } from '../decode/decoder.js';
import { Csum, Encap, MAX_TUNNEL_DEPTH, Packet, TcpFlag, type EncapKind, type FlowRef, type Layers } from '../decode/packet.js';
import type { Stage } from '../pipeline.js';
import { AppProto, appFromPayload } from './app-proto.js';
import { communityIdOfKey } from './community-id.js';
import { flowLayers, KeyBuilder } from './key.js';
import { D, F, K, KeyKind, S, TcpState } from './layout.js';
import type { FlowOptions } from './options.js';
import { buildRecord, type EndReason, type FlowRecord } from './record.js';
import { statAdd } from './stats.js';
import { FlowAppInfo, FlowStore } from './store.js';
import { FragmentTracker, type FragmentStats } from './fragments.js';

export type FlowSink = (rec: FlowRecord) => void;

const always = (): boolean => true;

export interface FlowStageStats {
  /** Packets attached to a flow. */
  packets: number;
  /** Packets with no usable key (unknown link layer without Ethernet or IP). */
  untracked: number;
  /** Fragment frames held until their datagram completes (the completing frame counts in `packets`). */
  fragmentsHeld: number;
  /** IP reassembly: datagrams completed, dropped (timeout, limits) and invalid fragments. */
  reassembly: FragmentStats;
  created: number;
  ended: number;
  /** Flows ended early because --max-flows was reached. */
  evicted: number;
  active: number;
  peakActive: number;
  endedBy: Record<EndReason, number>;
}

/** Zeek-style history letters; uppercase for the forward (originator) side. */
const HIST = 'SHADFRCTWIQ';
const H_S = 0;
const H_H = 1;
const H_A = 2;
const H_D = 3;
const H_F = 4;
const H_R = 5;
const H_C = 6;
const H_T = 7;
const H_W = 8;
const H_I = 9;
const H_Q = 10;

// update() indexes Bwd fields as their Fwd twin + D.Size: a layout edit that breaks this must fail loudly.
if (
  F.LastBwdUs !== F.LastFwdUs + D.Size ||
  F.BwdBytes !== F.FwdBytes + D.Size ||
  F.BwdWireBytes !== F.FwdWireBytes + D.Size ||
  F.BwdIpBytes !== F.FwdIpBytes + D.Size ||
  F.BwdHdrBytes !== F.FwdHdrBytes + D.Size ||
  F.BwdPsh !== F.FwdPsh + D.Size ||
  F.BwdUrg !== F.FwdUrg + D.Size ||
  F.BwdInitWin !== F.FwdInitWin + D.Size ||
  F.BwdLen !== F.FwdLen + D.Size ||
  F.BwdIat !== F.FwdIat + D.Size ||
  F.BBulkStart !== F.FBulkStart + D.Size ||
  F.BBulkLast !== F.FBulkLast + D.Size
) {
  throw new Error('flow layout: a Bwd field is not at its Fwd twin + D.Size (layout.ts)');
}

/** The FlowRef the stage sets on packets; one reused object (valid during the callback, as the Packet). */
class FlowRefView implements FlowRef {
  flowId = 0;
  lastDirForward = true;
  established = false;
  slot = -1;
  constructor(private readonly stage: FlowStage) {}
  get communityId(): string {
    return this.stage.communityIdOfSlot(this.slot);
  }
  copyKey(out: Uint32Array, off: number): boolean {
    return this.stage.copyKeyOfSlot(this.slot, out, off);
  }
}

export class FlowStage implements Stage {
  readonly name = 'flow';
  readonly store = new FlowStore();
  private readonly kb = new KeyBuilder();
  /** IP reassembly: fragments are counted once per datagram, as Zeek and tshark do. */
  readonly frags = new FragmentTracker();
  /** Decodes reassembled datagrams into `dgPkt` (one reused frame and packet). */
  private readonly dgDecoder = new Decoder();
  private readonly dgFrame = new RawFrame();
  private readonly dgPkt = new Packet();
  /** Tunnel and VLAN of the frame whose packet is being tracked (a reassembled datagram keeps its frame's). */
  private originEncap: EncapKind = Encap.None;
  private originTunnelId = -1;
  private originVlan = -1;
  /** Slot of the flow the current frame's packet went to (-1 none); whether it was held as a fragment. */
  private frameSlot = -1;
  private frameHeld = false;
  private readonly ref = new FlowRefView(this);
  /** Consumers of ended flows: whether each wants records right now (a bus sink with nobody listening does not), and what to call instead when it does not. */
  private readonly sinks: { deliver: FlowSink; wanted: () => boolean; unwanted: (() => void) | null }[] = [];
  private nextFlowId = 1;
  private readonly idleTcpUs: number;
  private readonly idleUdpUs: number;
  private readonly idleOtherUs: number;
  private readonly minIdleUs: number;
  private readonly activeUs: number;
  private readonly thresholdUs: number;
  private readonly lingerUs: number;
  /** TCP flows waiting for their linger to pass: parallel FIFO of slot and flow id. */
  private closingSlots: number[] = [];
  private closingIds: number[] = [];
  private closingHead = 0;
  private lastUs = 0;
  readonly stats: FlowStageStats = {
    packets: 0,
    untracked: 0,
    fragmentsHeld: 0,
    reassembly: this.frags.stats,
    created: 0,
    ended: 0,
    evicted: 0,
    active: 0,
    peakActive: 0,
    endedBy: { idle_timeout: 0, active_timeout: 0, tcp_fin: 0, tcp_rst: 0, end_of_input: 0, evicted: 0 },
  };

  constructor(readonly opts: FlowOptions) {
    this.idleTcpUs = opts.idleTcpS * 1e6;
    this.idleUdpUs = opts.idleUdpS * 1e6;
    this.idleOtherUs = opts.idleOtherS * 1e6;
    this.minIdleUs = Math.min(this.idleTcpUs, this.idleUdpUs, this.idleOtherUs);
    this.activeUs = opts.activeS * 1e6;
    this.thresholdUs = opts.activityThresholdS * 1e6;
    this.lingerUs = opts.tcpLingerS * 1e6;
  }

  private readonly tickHooks: (() => void)[] = [];

  /**
   * Adds a consumer of ended flows (file writers, the event bus). `wanted` is
   * asked at each flow end: the record (features, Community ID) is built only
   * when some sink wants it; a sink that does not is told with `unwanted`
   * (e.g. to count the flow).
   */
  addSink(fn: FlowSink, wanted: () => boolean = always, unwanted: (() => void) | null = null): void {
    this.sinks.push({ deliver: fn, wanted, unwanted });
  }

  /** Runs `fn` after each tick's expiry (writers flush there, so live output appears as flows end). */
  onAfterTick(fn: () => void): void {
    this.tickHooks.push(fn);
  }

  communityIdOfSlot(slot: number): string {
    if (slot < 0) return '';
    // Not cached per flow (8 bytes per flow saved): a SHA-1 of ~40 bytes, asked at flow end and by alerts.
    const s = this.store;
    const fwdIsLow = s.valsOf(slot)[FlowStore.valOff(slot) + F.FwdIsLow] === 1;
    return communityIdOfKey(s.keysOf(slot), FlowStore.keyOff(slot), fwdIsLow);
  }

  /** FlowRef.copyKey of the flow in `slot`. */
  copyKeyOfSlot(slot: number, out: Uint32Array, off: number): boolean {
    const s = this.store;
    const k = s.keysOf(slot);
    const ko = FlowStore.keyOff(slot);
    // A loop: a subarray would allocate a view per call.
    for (let i = 0; i <= K.Ports; i++) out[off + i] = k[ko + i]!;
    return s.valsOf(slot)[FlowStore.valOff(slot) + F.FwdIsLow] === 1;
  }

  onPacket(pkt: Packet): void {
    let ts = pkt.tsSec * 1e6 + Math.floor(pkt.tsNsec / 1000);
    // Packets out of time order count as simultaneous with the latest one, so no interval is negative.
    if (ts < this.lastUs) ts = this.lastUs;
    else this.lastUs = ts;
    this.originEncap = pkt.encap;
    this.originTunnelId = pkt.encap !== Encap.None ? pkt.tunnelId : -1;
    this.originVlan = pkt.vlanCount > 0 ? pkt.vlanIds[0]! : -1;
    this.frameSlot = -1;
    this.frameHeld = false;
    this.nowUs = ts;
    this.trackChain(pkt, 0);
    const slot = this.frameSlot;
    if (slot < 0) {
      pkt.flow = null;
      if (this.frameHeld) this.stats.fragmentsHeld++;
      else this.stats.untracked++;
      return;
    }
    this.stats.packets++;
    const ref = this.ref;
    ref.slot = slot;
    ref.flowId = this.store.valsOf(slot)[FlowStore.valOff(slot) + F.FlowId]!;
    ref.lastDirForward = this.lastFwd;
    ref.established = this.lastEst;
    pkt.flow = ref;
  }

  /**
   * Tracks the levels of `pkt`: tunnel carriers over UDP/TCP (VXLAN, Geneve,
   * GTP...) are flows of their own too, as in Zeek and Suricata, then the
   * innermost IP level. A level that is an IP fragment goes to the
   * reassembler instead, with everything inside it; the completed datagram
   * is decoded and tracked in its place (`nest` bounds that recursion).
   */
  private trackChain(pkt: Packet, nest: number): void {
    const l = flowLayers(pkt);
    let cur: Layers = pkt;
    for (;;) {
      if (cur.ipIsFragment && cur.ipVersion !== 0) {
        // A fragment cut short by the snap length cannot be reassembled: like Zeek and tshark,
        // the first one is taken as it is and the others are dropped.
        if (cur.ipOff + cur.ipTotalLen <= pkt.caplen) {
          this.reassemble(pkt, cur, nest);
          return;
        }
        if (cur.ipFragOffset > 0) {
          this.frags.stats.truncated++;
          this.frameHeld = true;
          return;
        }
      }
      if (cur === l || cur.inner === null) break;
      if (cur.hasUdp || cur.hasTcp) this.track(pkt, cur);
      cur = cur.inner;
    }
    this.frameSlot = this.track(pkt, l);
  }

  private reassemble(pkt: Packet, l: Layers, nest: number): void {
    const dg = this.frags.add(l, pkt.data, this.nowUs);
    if (dg === null) {
      this.frameHeld = true;
      return;
    }
    // Fragments nested inside reassembled fragments deeper than any tunnel chain: drop.
    if (nest >= MAX_TUNNEL_DEPTH) {
      this.frags.stats.invalid++;
      return;
    }
    const f = this.dgFrame;
    f.n = pkt.n;
    f.tsSec = pkt.tsSec;
    f.tsNsec = pkt.tsNsec;
    f.tsDigits = pkt.tsDigits;
    // tshark counts the datagram on the frame that completes it, with that frame's length.
    f.origLen = pkt.len;
    f.capLen = dg.length;
    f.linkType = LinkType.RAW;
    f.ifIndex = pkt.ifIndex;
    f.data = dg;
    const d = this.dgPkt;
    this.dgDecoder.decode(f, d);
    this.trackChain(d, nest + 1);
  }
  /** Direction of the packet in the flow last tracked. */
  private lastFwd = true;
  /** Whether that flow's TCP handshake had completed before the packet (FlowRef.established). */
  private lastEst = false;
  /**
   * Time of the packet being tracked (µs). A field, not an argument: a double this large is boxed
   * into a new heap number at every call that is not inlined, several per packet.
   */
  private nowUs = 0;

  /** Accounts the packet to the flow of level `l`; returns its slot, or -1 when no key can be built. */
  private track(pkt: Packet, l: Layers): number {
    const ts = this.nowUs;
    const kb = this.kb;
    if (!kb.build(pkt, l)) return -1;
    const store = this.store;
    const key = kb.key;
    const proto = key[K.Meta]! & 255;
    const isIp = ((key[K.Meta]! >>> 12) & 15) === KeyKind.Ip;
    const tcp = isIp && proto === 6 && l.hasTcp;
    const flags = tcp ? l.tcpFlags : 0;
    let slot = store.find(key);
    if (slot >= 0) {
      const a = store.valsOf(slot);
      const o = FlowStore.valOff(slot);
      const idle = proto === 6 && isIp ? this.idleTcpUs : proto === 17 && isIp ? this.idleUdpUs : this.idleOtherUs;
      let reason: EndReason | null = null;
      if (ts - a[o + F.LastUs]! > idle) reason = 'idle_timeout';
      else if (ts - a[o + F.FirstUs]! > this.activeUs) reason = 'active_timeout';
      else if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) {
        // A new SYN on a closed connection is port reuse: a new flow.
        const st = a[o + F.TcpState]!;
        if (st === TcpState.Closed) reason = 'tcp_fin';
        else if (st === TcpState.Reset) reason = 'tcp_rst';
      }
      if (reason !== null) {
        this.endFlow(slot, reason);
        slot = -1;
      } else {
        store.touch(slot);
      }
    }
    const srcIsLow = kb.srcIsLow;
    let fwd: boolean;
    const created = slot < 0;
    if (created) {
      if (store.size >= this.opts.maxFlows) this.evictOldest();
      slot = store.insert(key);
      this.initFlow(slot, srcIsLow, pkt, l);
      fwd = true;
    } else {
      fwd = (store.valsOf(slot)[FlowStore.valOff(slot) + F.FwdIsLow] === 1) === srcIsLow;
    }
    // Read before update(), which may be completing the handshake with this very packet.
    const est = tcp && !created && store.valsOf(slot)[FlowStore.valOff(slot) + F.HandshakeAckUs]! > 0;
    this.update(slot, created, fwd, pkt, l, tcp, flags);
    this.lastFwd = fwd;
    this.lastEst = est;
    return slot;
  }

  onTick(tsSec: number, tsNsec: number): void {
    const now = tsSec * 1e6 + Math.floor(tsNsec / 1000);
    if (now > this.lastUs) this.lastUs = now;
    this.expireClosing(now);
    this.expireIdle(now);
    this.frags.expire(now);
    for (let i = 0; i < this.tickHooks.length; i++) this.tickHooks[i]!();
  }

  onEnd(): void {
    // Closed TCP flows keep their own reason; everything else ends with the input.
    this.expireClosing(Number.POSITIVE_INFINITY);
    this.frags.clear();
    const store = this.store;
    for (let s = store.oldest(); s >= 0; s = store.oldest()) this.endFlow(s, 'end_of_input');
  }

  // ---- expiry ---------------------------------------------------------------

  private expireIdle(now: number): void {
    const store = this.store;
    let s = store.oldest();
    while (s >= 0) {
      const a = store.valsOf(s);
      const o = FlowStore.valOff(s);
      const last = a[o + F.LastUs]!;
      if (now - last <= this.minIdleUs) return;
      const nextS = store.newer(s);
      const ko = FlowStore.keyOff(s);
      const meta = store.keysOf(s)[ko + K.Meta]!;
      const isIp = ((meta >>> 12) & 15) === KeyKind.Ip;
      const proto = meta & 255;
      const idle = isIp && proto === 6 ? this.idleTcpUs : isIp && proto === 17 ? this.idleUdpUs : this.idleOtherUs;
      if (now - last > idle) this.endFlow(s, 'idle_timeout');
      s = nextS;
    }
  }

  private expireClosing(now: number): void {
    const store = this.store;
    while (this.closingHead < this.closingSlots.length) {
      const slot = this.closingSlots[this.closingHead]!;
      const id = this.closingIds[this.closingHead]!;
      const a = store.valsOf(slot);
      const o = FlowStore.valOff(slot);
      // The slot may have been ended and reused since it was queued.
      const same = a !== undefined && a[o + F.FlowId] === id && a[o + F.CloseDeadlineUs]! > 0;
      if (same && a[o + F.CloseDeadlineUs]! > now) break;
      this.closingHead++;
      if (same) this.endFlow(slot, a[o + F.TcpState] === TcpState.Reset ? 'tcp_rst' : 'tcp_fin');
    }
    if (this.closingHead > 1024 && this.closingHead * 2 > this.closingSlots.length) {
      this.closingSlots = this.closingSlots.slice(this.closingHead);
      this.closingIds = this.closingIds.slice(this.closingHead);
      this.closingHead = 0;
    }
  }

  private evictOldest(): void {
    const s = this.store.oldest();
    if (s < 0) return;
    this.stats.evicted++;
    this.endFlow(s, 'evicted');
  }

  private endFlow(slot: number, reason: EndReason): void {
    const store = this.store;
    const st = this.stats;
    st.ended++;
    st.endedBy[reason]++;
    let rec: FlowRecord | null = null;
    for (const sink of this.sinks) {
      if (!sink.wanted()) {
        sink.unwanted?.();
        continue;
      }
      rec ??= this.recordOf(slot, reason);
      sink.deliver(rec);
    }
    // Mark the slab record dead so a queued close entry for this slot is ignored.
    store.valsOf(slot)[FlowStore.valOff(slot) + F.FlowId] = 0;
    store.remove(slot);
    st.active = store.size;
  }

  /** The exported record of the flow in `slot` (closes its last active period). */
  private recordOf(slot: number, reason: EndReason): FlowRecord {
    const store = this.store;
    const a = store.valsOf(slot);
    const o = FlowStore.valOff(slot);
    this.finishActive(a, o);
    return buildRecord({
      vals: a,
      vo: o,
      keys: store.keysOf(slot),
      ko: FlowStore.keyOff(slot),
      communityId: this.communityIdOfSlot(slot),
      history: store.history[slot] ?? '',
      app: store.app[slot] ?? null,
      reason,
    });
  }

  /** Closes the last active period (CIC: added when the flow ends if it lasted > 0). */
  private finishActive(a: Float64Array, o: number): void {
    const span = a[o + F.ActiveEndUs]! - a[o + F.ActiveStartUs]!;
    if (span > 0) statAdd(a, o + F.Active, span);
    a[o + F.ActiveStartUs] = a[o + F.ActiveEndUs]!;
  }

  // ---- per packet -----------------------------------------------------------

  private initFlow(slot: number, srcIsLow: boolean, pkt: Packet, l: Layers): void {
    const ts = this.nowUs;
    const a = this.store.valsOf(slot);
    const o = FlowStore.valOff(slot);
    a[o + F.FlowId] = this.nextFlowId++;
    a[o + F.FwdIsLow] = srcIsLow ? 1 : 0;
    a[o + F.FirstUs] = ts;
    a[o + F.LastUs] = ts;
    a[o + F.ActiveStartUs] = ts;
    a[o + F.ActiveEndUs] = ts;
    a[o + F.FwdInitWin] = -1;
    a[o + F.BwdInitWin] = -1;
    a[o + F.FBulkStart] = -1;
    a[o + F.FBulkLast] = -1;
    a[o + F.BBulkStart] = -1;
    a[o + F.BBulkLast] = -1;
    a[o + F.SubflowCount] = 1;
    a[o + F.FwdNextSeq] = -1;
    a[o + F.BwdNextSeq] = -1;
    a[o + F.FwdFinSeq] = -1;
    a[o + F.BwdFinSeq] = -1;
    a[o + F.Vlan] = this.originVlan;
    // Tunnel: the outermost encapsulation of the frame and its id (VXLAN VNI / GRE key).
    a[o + F.Encap] = this.originEncap;
    a[o + F.TunnelId] = this.originTunnelId;
    if (l !== pkt && a[o + F.Vlan] === -1 && l.vlanCount > 0) a[o + F.Vlan] = l.vlanIds[0]!;
    const st = this.stats;
    st.created++;
    st.active = this.store.size;
    if (st.active > st.peakActive) st.peakActive = st.active;
  }

  /** Accounts one packet to the flow at `slot`; `created` when it is the flow's first packet. */
  private update(slot: number, created: boolean, fwd: boolean, pkt: Packet, l: Layers, tcp: boolean, flags: number): void {
    const ts = this.nowUs;
    const store = this.store;
    const a = store.valsOf(slot);
    const o = FlowStore.valOff(slot);
    const lens = this.lens;
    packetLengths(pkt, l, lens);
    const payload = lens[0]!;
    const hdr = lens[1]!;
    const ipBytes = lens[2]!;

    // Flow-wide timing: IAT, subflows (gap > 1 s), active/idle periods.
    if (!created) {
      const gap = ts - a[o + F.LastUs]!;
      statAdd(a, o + F.FlowIat, gap);
      if (gap > 1e6) a[o + F.SubflowCount] = a[o + F.SubflowCount]! + 1;
      if (ts - a[o + F.ActiveEndUs]! > this.thresholdUs) {
        const span = a[o + F.ActiveEndUs]! - a[o + F.ActiveStartUs]!;
        if (span > 0) statAdd(a, o + F.Active, span);
        statAdd(a, o + F.Idle, ts - a[o + F.ActiveEndUs]!);
        a[o + F.ActiveStartUs] = ts;
      }
      a[o + F.ActiveEndUs] = ts;
      a[o + F.LastUs] = ts;
    }

    // Each Bwd field sits D.Size after its Fwd twin (checked at load above), so one code path
    // serves both directions: `dir` is the offset of this packet's direction block.
    const dir = fwd ? 0 : D.Size;
    const lenStat = o + F.FwdLen + dir;
    if (a[lenStat + S.N]! > 0) statAdd(a, o + F.FwdIat + dir, ts - a[o + F.LastFwdUs + dir]!);
    else if (fwd) a[o + F.FwdMinHdr] = hdr;
    else a[o + F.FirstBwdUs] = ts; // the first forward packet is the flow's first packet (FirstUs)
    a[o + F.LastFwdUs + dir] = ts;
    statAdd(a, lenStat, payload);
    a[o + F.FwdBytes + dir] = a[o + F.FwdBytes + dir]! + payload;
    a[o + F.FwdWireBytes + dir] = a[o + F.FwdWireBytes + dir]! + pkt.len;
    a[o + F.FwdIpBytes + dir] = a[o + F.FwdIpBytes + dir]! + ipBytes;
    a[o + F.FwdHdrBytes + dir] = a[o + F.FwdHdrBytes + dir]! + hdr;
    if (fwd) {
      if (hdr < a[o + F.FwdMinHdr]!) a[o + F.FwdMinHdr] = hdr;
      if (payload >= 1) a[o + F.FwdActData] = a[o + F.FwdActData]! + 1;
    }
    if (flags & TcpFlag.PSH) a[o + F.FwdPsh + dir] = a[o + F.FwdPsh + dir]! + 1;
    if (flags & TcpFlag.URG) a[o + F.FwdUrg + dir] = a[o + F.FwdUrg + dir]! + 1;
    if (tcp && a[o + F.FwdInitWin + dir] === -1) a[o + F.FwdInitWin + dir] = l.tcpWindow;
    this.bulkUpdate(a, o, dir, payload);

    if (tcp) {
      if (flags & TcpFlag.FIN) a[o + F.CntFin] = a[o + F.CntFin]! + 1;
      if (flags & TcpFlag.SYN) a[o + F.CntSyn] = a[o + F.CntSyn]! + 1;
      if (flags & TcpFlag.RST) a[o + F.CntRst] = a[o + F.CntRst]! + 1;
      if (flags & TcpFlag.ACK) a[o + F.CntAck] = a[o + F.CntAck]! + 1;
      if (flags & TcpFlag.CWR) a[o + F.CntCwr] = a[o + F.CntCwr]! + 1;
      if (flags & TcpFlag.ECE) a[o + F.CntEce] = a[o + F.CntEce]! + 1;
      this.tcpUpdate(slot, a, o, fwd, l, flags, payload);
    }

    if (a[o + F.AppProto] === AppProto.Unknown && payload > 0) {
      const code = appFromPayload(l, pkt.data);
      if (code !== AppProto.Unknown) a[o + F.AppProto] = code;
    }
    if (l.app !== 0) this.captureAppStrings(slot, l);
  }

  /** Reused output of packetLengths: payload, transport header, IP bytes. */
  private readonly lens = new Float64Array(3);

  private captureAppStrings(slot: number, l: Layers): void {
    const store = this.store;
    let info = store.app[slot] ?? null;
    if (l.app === 1) {
      if (l.dns.questionCount > 0 && (info === null || info.dnsQuery === '')) {
        info ??= store.app[slot] = new FlowAppInfo();
        info.dnsQuery = l.dns.questions[0]!.name;
      }
    } else if (l.app === 2) {
      if (info === null || (info.sni === '' && info.ja3 === '')) {
        info ??= store.app[slot] = new FlowAppInfo();
        info.sni = l.tls.sni;
        info.ja3 = l.tls.ja3;
        info.ja3Hash = l.tls.ja3Hash;
        info.ja4 = l.tls.ja4;
      }
    } else if (l.app === 3) {
      if (l.http.host !== '' && (info === null || info.httpHost === '')) {
        info ??= store.app[slot] = new FlowAppInfo();
        info.httpHost = l.http.host;
      }
    }
  }

  private addHistory(slot: number, a: Float64Array, o: number, letter: number, fwd: boolean): void {
    const bit = fwd ? letter : letter + 11;
    const bits = a[o + F.HistoryBits]!;
    if ((bits >>> bit) & 1) return;
    a[o + F.HistoryBits] = bits + 2 ** bit;
    const c = HIST[letter]!;
    this.store.history[slot] += fwd ? c : c.toLowerCase();
  }

  private tcpUpdate(
    slot: number,
    a: Float64Array,
    o: number,
    fwd: boolean,
    l: Layers,
    flags: number,
    payload: number,
  ): void {
    const ts = this.nowUs;
    const syn = (flags & TcpFlag.SYN) !== 0;
    const ack = (flags & TcpFlag.ACK) !== 0;
    const fin = (flags & TcpFlag.FIN) !== 0;
    const rst = (flags & TcpFlag.RST) !== 0;
    // History letters (Zeek conn.log "history", each once per direction).
    if (syn && fin) this.addHistory(slot, a, o, H_Q, fwd);
    if (syn && rst) this.addHistory(slot, a, o, H_I, fwd);
    if (syn) this.addHistory(slot, a, o, ack ? H_H : H_S, fwd);
    if (fin) this.addHistory(slot, a, o, H_F, fwd);
    if (rst) this.addHistory(slot, a, o, H_R, fwd);
    if (payload > 0) this.addHistory(slot, a, o, H_D, fwd);
    else if (ack && !syn && !fin && !rst) this.addHistory(slot, a, o, H_A, fwd);
    // The checksum getter sums the whole payload on first read: ask only while this side's 'C' is unset.
    if (((a[o + F.HistoryBits]! >>> (fwd ? H_C : H_C + 11)) & 1) === 0 && l.l4ChecksumStatus === Csum.Bad) {
      this.addHistory(slot, a, o, H_C, fwd);
    }
    if (l.tcpWindow === 0 && !syn && !rst) this.addHistory(slot, a, o, H_W, fwd);

    // Handshake timing.
    if (syn && !ack && fwd && a[o + F.SynUs] === 0) a[o + F.SynUs] = ts;
    else if (syn && ack && !fwd && a[o + F.SynUs]! > 0 && a[o + F.SynAckUs] === 0) a[o + F.SynAckUs] = ts;
    else if (!syn && ack && fwd && a[o + F.SynAckUs]! > 0 && a[o + F.HandshakeAckUs] === 0) a[o + F.HandshakeAckUs] = ts;

    // Sequence tracking: retransmissions and out-of-order segments.
    const segLen = payload + (syn ? 1 : 0) + (fin ? 1 : 0);
    if (segLen > 0 && !rst) {
      const nextF = fwd ? F.FwdNextSeq : F.BwdNextSeq;
      const holeS = fwd ? F.FwdHoleStart : F.BwdHoleStart;
      const holeE = fwd ? F.FwdHoleEnd : F.BwdHoleEnd;
      const seq = l.tcpSeq >>> 0;
      const end = (seq + segLen) >>> 0;
      const next = a[o + nextF]!;
      if (next < 0) a[o + nextF] = end;
      else {
        const rel = (seq - next) | 0;
        if (rel === 0) a[o + nextF] = end;
        else if (rel > 0) {
          a[o + holeS] = next;
          a[o + holeE] = seq;
          a[o + nextF] = end;
        } else {
          const hs = a[o + holeS]!;
          const he = a[o + holeE]!;
          if (hs !== he && ((seq - hs) | 0) >= 0 && ((seq - he) | 0) < 0) {
            // Fills the hole left by an earlier gap: arrived out of order, not resent.
            if (fwd) a[o + F.FwdOoo] = a[o + F.FwdOoo]! + 1;
            else a[o + F.BwdOoo] = a[o + F.BwdOoo]! + 1;
            if (seq === hs) a[o + holeS] = ((end - he) | 0) >= 0 ? he : end;
            if (a[o + holeS] === he) a[o + holeS] = a[o + holeE] = 0;
          } else if (payload > 0) {
            // Data already covered: a retransmission (a repeated bare SYN or FIN is not counted, as in Zeek).
            if (fwd) a[o + F.FwdRetrans] = a[o + F.FwdRetrans]! + 1;
            else a[o + F.BwdRetrans] = a[o + F.BwdRetrans]! + 1;
            this.addHistory(slot, a, o, H_T, fwd);
          }
          if (((end - next) | 0) > 0) a[o + nextF] = end;
        }
      }
    }

    // Connection state.
    const st = a[o + F.TcpState]!;
    if (st === TcpState.Closed || st === TcpState.Reset) return;
    if (rst) {
      this.close(slot, a, o, ts, TcpState.Reset);
      return;
    }
    if (fin) {
      // Store the acknowledgment number that covers this FIN.
      const finAck = ((l.tcpSeq >>> 0) + payload + 1) >>> 0;
      if (fwd) a[o + F.FwdFinSeq] = finAck;
      else a[o + F.BwdFinSeq] = finAck;
      a[o + F.TcpState] = TcpState.FinWait;
    }
    // Both FINs seen and this (FIN-less) packet acknowledges the other side's FIN: the last ACK, closed.
    // (The other side's block is read only once our own FIN is out.)
    if (ack && !fin && a[o + (fwd ? F.FwdFinSeq : F.BwdFinSeq)]! >= 0) {
      const otherFin = a[o + (fwd ? F.BwdFinSeq : F.FwdFinSeq)]!;
      if (otherFin >= 0 && l.tcpAck >>> 0 === otherFin) {
        this.close(slot, a, o, ts, TcpState.Closed);
        return;
      }
    }
    if (a[o + F.TcpState] === TcpState.FinWait) return;
    if (syn && !ack) a[o + F.TcpState] = TcpState.SynSent;
    else if (syn && ack) a[o + F.TcpState] = TcpState.SynAckSeen;
    else if (ack || payload > 0) a[o + F.TcpState] = TcpState.Established;
  }

  /**
   * CIC's bulk algorithm for one direction, with the direction test fixed
   * (CICFlowMeter #124): a bulk is 4+ payload packets in this direction with no
   * payload packet of the other direction in between and no gap over 1 s.
   * Block at `b` (direction block `dir` of the flow at `o`): start, last,
   * pktsH, bytesH, count, pkts, bytes, duration.
   */
  private bulkUpdate(a: Float64Array, o: number, dir: number, size: number): void {
    const ts = this.nowUs;
    const b = o + F.FBulkStart + dir;
    if (a[o + F.BBulkLast - dir]! > a[b]!) a[b] = -1;
    if (size <= 0) return;
    if (a[b]! < 0) {
      a[b] = ts;
      a[b + 1] = ts;
      a[b + 2] = 1;
      a[b + 3] = size;
    } else if (ts - a[b + 1]! > 1e6) {
      a[b] = ts;
      a[b + 1] = ts;
      a[b + 2] = 1;
      a[b + 3] = size;
    } else {
      const n = a[b + 2]! + 1;
      a[b + 2] = n;
      a[b + 3] = a[b + 3]! + size;
      if (n === 4) {
        a[b + 4] = a[b + 4]! + 1;
        a[b + 5] = a[b + 5]! + n;
        a[b + 6] = a[b + 6]! + a[b + 3]!;
        a[b + 7] = a[b + 7]! + (ts - a[b]!);
      } else if (n > 4) {
        a[b + 5] = a[b + 5]! + 1;
        a[b + 6] = a[b + 6]! + size;
        a[b + 7] = a[b + 7]! + (ts - a[b + 1]!);
      }
      a[b + 1] = ts;
    }
  }

  private close(slot: number, a: Float64Array, o: number, ts: number, state: number): void {
    a[o + F.TcpState] = state;
    a[o + F.CloseDeadlineUs] = ts + this.lingerUs;
    this.closingSlots.push(slot);
    this.closingIds.push(a[o + F.FlowId]!);
  }
}

/**
 * Lengths of one packet as the features use them (from header fields, so a
 * snaplen cut does not shrink them): [0] transport payload ("packet length"
 * in CIC), [1] transport header (CIC "header length"), [2] IP bytes
 * (IP total length, as Zeek's ip_bytes).
 */
export function packetLengths(pkt: Packet, l: Layers, out: Float64Array): void {
  if (l.ipVersion === 0) {
    const p = pkt.len - 14;
    out[0] = p > 0 ? p : 0;
    out[1] = 0;
    out[2] = 0;
    return;
  }
  // IPv4 total length 0 happens with TCP segmentation offload: fall back to the frame.
  let ipTotal = l.ipTotalLen;
  if (ipTotal <= 0) ipTotal = pkt.len - l.ipOff;
  const l4 = ipTotal - l.ipHdrLen;
  let hdr = 0;
  if (l.hasTcp) hdr = l.tcpHdrLen;
  else if (l.hasUdp || l.hasIcmp) hdr = 8;
  let payload = l.ipIsFragment && l.ipFragOffset > 0 ? l4 : l4 - hdr;
  if (payload < 0) payload = 0;
  out[0] = payload;
  out[1] = hdr;
  out[2] = ipTotal;
}
