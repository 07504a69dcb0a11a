/**
 * Threat intelligence on the packet path: offline block lists (CIDR trie,
 * checked for every packet's source and destination) and AbuseIPDB scores
 * (looked up once per address, asynchronously). The packet path only reads a
 * per-address state table; a new address costs a cache probe by its key, a
 * few numbers of its packet and one queued key (whether it is public, its
 * text and its look-up are the look-up thread's), whose answer raises the
 * alert later, naming the flow and time of the packet that first showed the
 * address.
 */
import { Encap, type Layers, type Packet } from '../decode/packet.js';
import type { Reputation } from '../intel/cache.js';
import type { BlockLists, ListEntry } from '../intel/lists.js';
import { type Answer, type ReputationLookups, SPECIAL } from '../intel/lookups.js';
import { specialBlockV4, specialBlockWords } from '../intel/reserved.js';
import { dstKey, srcKey } from '../util/addr-key.js';
import { BoundedMap } from './bounded-map.js';
import { Sighting } from './intel-sighting.js';
import { type AlertTuple, type DetectContext, type Detector, dstAddrText, srcAddrText, tupleOf } from './detector.js';
import { SIG } from './signatures.js';

const St = { Special: 0, Pending: 1, Clean: 2, Malicious: 3, Unknown: 4 } as const;

interface AddrState {
  state: number;
  /** The address as text: from its reputation ('' while pending, and for special and unknown addresses, which never alert). */
  ip: string;
  rep: Reputation | null;
  /** Suppression keys of this address's source and destination alerts, made on first use ('' until then). */
  srcSuppressKey: string;
  dstSuppressKey: string;
  /** While pending: the packet that showed the address, which side it was on, and when it was asked (Date.now). */
  seen: Sighting | null;
  seenSrc: boolean;
  askedAt: number;
}

function addrState(state: number, ip: string, rep: Reputation | null): AddrState {
  return { state, ip, rep, srcSuppressKey: '', dstSuppressKey: '', seen: null, seenSrc: false, askedAt: 0 };
}

export interface IntelOptions {
  lists: BlockLists | null;
  /** AbuseIPDB look-ups: the client on this thread, or its worker-thread front (AbuseIpdbThread). */
  abuseipdb: ReputationLookups | null;
  /** abuseConfidenceScore above this alerts. */
  threshold: number;
  maxAgeInDays: number;
  maxAddresses: number;
  /** How long onEnd waits for outstanding look-ups. */
  drainMs: number;
}

/** Slots of the quiet-flow table (a power of two): about as many flows as are usually active at once. */
const QUIET_FLOW_SLOTS = 64;
const QUIET_FLOW_MASK = QUIET_FLOW_SLOTS - 1;

/** The packet's flow id when the flow keys on the packet's own (outermost and innermost) addresses, else NaN (never equal to anything). */
function quietFlowOf(pkt: Packet): number {
  return pkt.flow !== null && pkt.encap === Encap.None && !pkt.ipIsFragment ? pkt.flow.flowId : NaN;
}

export class IntelDetector implements Detector {
  readonly name = 'intel';
  private readonly addrs: BoundedMap<number, AddrState>;
  private alerts = 0;
  private lateAnswers = 0;
  /** New addresses not looked up because the client was saturated (queue full, budget spent, disabled). */
  private skipped = 0;
  /** Last context seen, for alerts raised by answers that arrive between packets. */
  private ctx: DetectContext | null = null;

  /**
   * Addresses asked and not yet answered, by key: the answer finds its state
   * here even when the table has evicted it meanwhile. Bounded by the look-up
   * queue (no new address is asked while the client is saturated).
   */
  private readonly asked = new Map<number, AddrState>();

  constructor(private readonly o: IntelOptions) {
    this.addrs = new BoundedMap(o.maxAddresses);
    if (o.abuseipdb !== null) o.abuseipdb.onAnswer = (key, a) => this.answered(key, a);
  }

  onPacket(pkt: Packet, ctx: DetectContext): void {
    const lists = this.o.lists;
    // Most packets continue a flow whose addresses were found quiet: no look-up, no keys (see quietFlows).
    const flow = quietFlowOf(pkt);
    if (this.quietFlows[flow & QUIET_FLOW_MASK] === flow && (lists === null || lists.empty)) return;
    this.check(pkt, ctx, flow);
  }

  /** The lists and reputations of a packet not known quiet (`flow`: quietFlowOf); kept apart so that onPacket stays small enough to inline. */
  private check(pkt: Packet, ctx: DetectContext, flow: number): void {
    const lists = this.o.lists;
    const l = pkt.innermost();
    if (l.ipVersion === 0) {
      // Nothing to check, ever: a flow of the packet's own level (see quietFlowOf) without IP is keyed on
      // MACs and holds no IP packet (flow/key.ts), so its next packets may skip this call.
      if (flow === flow) this.quietFlows[flow & QUIET_FLOW_MASK] = flow;
      return;
    }
    this.ctx = ctx;
    if (lists !== null && !lists.empty) {
      const s = l.ipVersion === 4 ? lists.lookupV4(l.src4) : lists.lookupWords(l.src6);
      if (s !== undefined) this.listed(pkt, l, s, true, ctx);
      const d = l.ipVersion === 4 ? lists.lookupV4(l.dst4) : lists.lookupWords(l.dst6);
      if (d !== undefined) this.listed(pkt, l, d, false, ctx);
    }
    if (this.o.abuseipdb !== null) {
      const sk = srcKey(l);
      const dk = dstKey(l);
      if ((sk === this.quietA && dk === this.quietB) || (sk === this.quietB && dk === this.quietA)) {
        this.quietFlows[flow & QUIET_FLOW_MASK] = flow;
        return;
      }
      const srcQuiet = this.reputation(pkt, l, true, sk, ctx);
      if (this.reputation(pkt, l, false, dk, ctx) && srcQuiet) {
        this.quietA = sk;
        this.quietB = dk;
        this.quietFlows[flow & QUIET_FLOW_MASK] = flow;
      }
    }
  }

  /**
   * The two addresses of the last packet whose reputation check found both
   * known and not malicious (special, pending, clean or unknown). The next
   * packets between them (either direction: most packets continue a
   * conversation) skip the check, which could only find the same: only an
   * answer turns an address malicious, and a malicious answer clears this
   * memory (forgetQuiet). A new address or an eviction changes nothing a
   * quiet packet could show (an evicted quiet address stays quiet).
   */
  private quietA = NaN;
  private quietB = NaN;
  /**
   * Flows whose last packet was found quiet, when their addresses are the
   * flow's own (no tunnel, not a fragment: flow and check then read the same
   * level), by flow id in a direct-mapped table (a flow evicts another of the
   * same slot). Their next packets are between the same two addresses, so
   * the flow id alone says the pair is quiet, also while other flows'
   * packets come in between. Cleared with the pair above.
   */
  private readonly quietFlows = new Float64Array(QUIET_FLOW_SLOTS).fill(NaN);

  private forgetQuiet(): void {
    this.quietA = this.quietB = NaN;
    this.quietFlows.fill(NaN);
  }

  private listed(pkt: Packet, l: Layers, e: ListEntry, src: boolean, ctx: DetectContext): void {
    this.alerts++;
    ctx.alert({
      tsSec: pkt.tsSec,
      tsNsec: pkt.tsNsec,
      tuple: tupleOf(pkt, l),
      sig: src ? SIG.listedSrc : SIG.listedDst,
      detector: this.name,
      evidence: { ip: src ? srcAddrText(l) : dstAddrText(l), list: e.list, cidr: e.cidr, ...(e.note ? { note: e.note } : {}) },
      trackBy: src ? srcAddrText(l) : `dst ${dstAddrText(l)}`,
    });
  }

  /**
   * The states of the two addresses met last. Consecutive packets mostly
   * belong to one conversation, so most look-ups end here without hashing;
   * cleared whenever the table changes, so it never outlives an eviction.
   */
  private recentKeyA = NaN;
  private recentA: AddrState | null = null;
  private recentKeyB = NaN;
  private recentB: AddrState | null = null;

  private stateOf(key: number): AddrState | undefined {
    if (key === this.recentKeyA) return this.recentA!;
    if (key === this.recentKeyB) return this.recentB!;
    const st = this.addrs.peek(key);
    if (st !== undefined) {
      this.recentKeyB = this.recentKeyA;
      this.recentB = this.recentA;
      this.recentKeyA = key;
      this.recentA = st;
    }
    return st;
  }

  private remember(key: number, st: AddrState): void {
    this.recentKeyA = this.recentKeyB = NaN;
    this.recentA = this.recentB = null;
    this.addrs.set(key, st);
  }

  /** Checks one address of the packet (`key`: its table key); true when it has a state that is not malicious (known before, or given one now). */
  private reputation(pkt: Packet, l: Layers, src: boolean, key: number, ctx: DetectContext): boolean {
    const st = this.stateOf(key);
    if (st !== undefined) {
      if (st.state !== St.Malicious) return true;
      this.maliciousAgain(st, pkt, l, src, ctx);
      return false;
    }
    return this.firstSeen(key, pkt, l, src, ctx);
  }

  /**
   * An address not in the table: answered from the cache, or queued (the
   * look-up thread tells special-purpose addresses from public ones). Kept
   * out of `reputation`, which runs twice per packet. True when the address
   * now has a state that is not malicious (pending, special, clean): the next
   * packet's check would find just that, so the packet may be found quiet.
   */
  private firstSeen(key: number, pkt: Packet, l: Layers, src: boolean, ctx: DetectContext): boolean {
    const client = this.o.abuseipdb!;
    const cached = client.cachedKey(key);
    if (cached !== undefined) {
      const s = addrState(cached.score > this.o.threshold ? St.Malicious : St.Clean, cached.ip, cached);
      this.remember(key, s);
      if (s.state !== St.Malicious) return true;
      this.malicious(s, tupleOf(pkt, l), pkt.tsSec, pkt.tsNsec, src, ctx, false);
      return false;
    }
    const asked = this.asked.get(key);
    if (asked !== undefined) {
      // Evicted from the table while its look-up runs: the same state goes back in.
      this.remember(key, asked);
      return asked.state !== St.Malicious;
    }
    if (client.saturated) {
      // Nothing can be asked: a special-purpose address is known for what it is without the look-up thread (so the
      // local network's own addresses stay in the table); a public one is left out, as a flood of spoofed sources
      // must not cost a state each.
      if ((l.ipVersion === 4 ? specialBlockV4(src ? l.src4 : l.dst4) : specialBlockWords(src ? l.src6 : l.dst6)) !== undefined) {
        this.remember(key, addrState(St.Special, '', null));
        return true;
      }
      // Not quiet: its next packet tries again.
      this.skipped++;
      return false;
    }
    const s = addrState(St.Pending, '', null);
    // The packet's numbers are kept now (the answer arrives after this packet is gone); its tuple is made only for an alert.
    s.seen = new Sighting(pkt, l);
    s.seenSrc = src;
    s.askedAt = Date.now();
    this.remember(key, s);
    this.asked.set(key, s);
    if (l.ipVersion === 4) client.ask(key, src ? l.src4 : l.dst4, null);
    else client.ask(key, 0, src ? l.src6 : l.dst6);
    // A client on this thread may have answered already (malicious: answered() forgot the quiet pairs).
    return s.state !== St.Malicious;
  }

  /** The answer for an address asked by firstSeen; a malicious one alerts with the tuple and time of the packet that showed it. */
  private answered(key: number, a: Answer): void {
    const s = this.asked.get(key);
    if (s === undefined) return;
    this.asked.delete(key);
    const seen = s.seen!;
    s.seen = null;
    if (a === SPECIAL) {
      s.state = St.Special;
      return;
    }
    if (a === null) {
      s.state = St.Unknown;
      return;
    }
    s.rep = a;
    s.ip = a.ip;
    s.state = a.score > this.o.threshold ? St.Malicious : St.Clean;
    if (s.state !== St.Malicious) return;
    // Its packets must alert again: the memory of quiet pairs and flows may hold this address.
    this.forgetQuiet();
    if (this.ctx !== null) {
      this.lateAnswers++;
      this.malicious(s, seen.tuple(), seen.tsSec, seen.tsNsec, s.seenSrc, this.ctx, true, Date.now() - s.askedAt);
    }
  }

  /**
   * Another packet of a known malicious address. Every such packet alerts, and
   * suppression drops nearly all of them, so the verdict is asked first and the
   * alert (tuple text, evidence) is built only when it will be published.
   */
  private maliciousAgain(s: AddrState, pkt: Packet, l: Layers, src: boolean, ctx: DetectContext): void {
    let key = src ? s.srcSuppressKey : s.dstSuppressKey;
    if (key === '') {
      key = ctx.suppressionKey(src ? s.ip : `dst ${s.ip}`, src ? SIG.maliciousSrc.id : SIG.maliciousDst.id);
      if (src) s.srcSuppressKey = key;
      else s.dstSuppressKey = key;
    }
    if (ctx.suppressed(key, pkt.tsSec)) {
      this.alerts++;
      return;
    }
    this.malicious(s, tupleOf(pkt, l), pkt.tsSec, pkt.tsNsec, src, ctx, false);
  }

  /** Set-up before packets flow: the client's cache and HTTP machinery are made ready. */
  async ready(): Promise<void> {
    await this.o.abuseipdb?.warmUp();
  }

  private malicious(s: AddrState, tuple: AlertTuple, tsSec: number, tsNsec: number, src: boolean, ctx: DetectContext, fromAnswer: boolean, waitedMs = 0): void {
    const r = s.rep!;
    this.alerts++;
    ctx.alert({
      tsSec,
      tsNsec,
      tuple,
      sig: src ? SIG.maliciousSrc : SIG.maliciousDst,
      detector: this.name,
      evidence: {
        ip: s.ip,
        source: 'abuseipdb',
        abuseConfidenceScore: r.score,
        threshold: this.o.threshold,
        maxAgeInDays: this.o.maxAgeInDays,
        totalReports: r.totalReports,
        countryCode: r.countryCode,
        lastReportedAt: r.lastReportedAt,
        isp: r.isp,
        usageType: r.usageType,
        ...(fromAnswer ? { answered_after_ms: waitedMs } : { cached: true }),
      },
      trackBy: src ? s.ip : `dst ${s.ip}`,
    });
  }

  async onEnd(_tsSec: number, ctx: DetectContext): Promise<void> {
    this.ctx = ctx;
    const c = this.o.abuseipdb;
    if (c === null || c.pending === 0) return;
    const done = await c.drain(this.o.drainMs);
    if (!done) {
      ctx.log(`AbuseIPDB: ${c.pending} look-up(s) still unanswered after ${this.o.drainMs} ms at end of input; giving up on them`);
      c.abandon();
    }
  }

  stats(): Record<string, number> {
    const s: Record<string, number> = { alerts: this.alerts, lateAnswerAlerts: this.lateAnswers, skippedSaturated: this.skipped, addresses: this.addrs.size, addressesEvicted: this.addrs.evicted };
    if (this.o.abuseipdb !== null) {
      const a = this.o.abuseipdb.stats();
      for (const [k, v] of Object.entries(a)) s[`abuseipdb.${k}`] = typeof v === 'boolean' ? Number(v) : v;
    }
    if (this.o.lists !== null) s.listReloads = this.o.lists.reloads;
    return s;
  }

  async close(): Promise<void> {
    this.o.lists?.close();
    await this.o.abuseipdb?.close();
  }
}
