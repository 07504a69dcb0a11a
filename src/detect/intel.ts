/**
 * Threat intelligence on the packet path: offline block lists (CIDR trie,
 * checked for every packet's source and destination) and AbuseIPDB scores
 * (looked up once per address, asynchronously). The packet path only reads a
 * per-address state table; a new public address costs one string, a few
 * numbers of its packet and one queued request, whose answer raises the
 * alert later, naming the flow and time of the packet that first showed the
 * address.
 */
import { Encap, type Layers, type Packet } from '../decode/packet.js';
import type { Reputation } from '../intel/cache.js';
import type { BlockLists, ListEntry } from '../intel/lists.js';
import type { ReputationLookups } from '../intel/lookups.js';
import { specialBlockV4, specialBlockWords } from '../intel/reserved.js';
import { dstKey, srcKey } from '../util/addr-key.js';
import { BoundedMap } from './bounded-map.js';
import { Sighting } from './intel-sighting.js';
import { type AlertTuple, type DetectContext, type Detector, dstAddrText, srcAddrText, tupleOf } from './detector.js';
import { SIG } from './signatures.js';

const St = { Special: 0, Pending: 1, Clean: 2, Malicious: 3, Unknown: 4 } as const;

interface AddrState {
  state: number;
  ip: string;
  rep: Reputation | null;
  /** Suppression keys of this address's source and destination alerts, made on first use ('' until then). */
  srcSuppressKey: string;
  dstSuppressKey: string;
}

function addrState(state: number, ip: string, rep: Reputation | null): AddrState {
  return { state, ip, rep, srcSuppressKey: '', dstSuppressKey: '' };
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

  constructor(private readonly o: IntelOptions) {
    this.addrs = new BoundedMap(o.maxAddresses);
  }

  onPacket(pkt: Packet, ctx: DetectContext): void {
    const lists = this.o.lists;
    // Most packets continue the flow whose addresses were just found quiet: no look-up, no keys (see quietFlow).
    if (quietFlowOf(pkt) === this.quietFlow && (lists === null || lists.empty)) return;
    const l = pkt.innermost();
    if (l.ipVersion === 0) return;
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
        this.quietFlow = quietFlowOf(pkt);
        return;
      }
      const srcQuiet = this.reputation(pkt, l, true, sk, ctx);
      if (this.reputation(pkt, l, false, dk, ctx) && srcQuiet) {
        this.quietA = sk;
        this.quietB = dk;
        this.quietFlow = quietFlowOf(pkt);
      }
    }
  }

  /**
   * The two addresses of the last packet whose reputation check found both
   * known and not malicious (special, pending, clean or unknown). The next
   * packets between them (either direction: most packets continue a
   * conversation) skip the check, which could only find the same. Cleared
   * whenever the table changes and whenever an answer arrives (a pending
   * address may have turned malicious, whose packets alert).
   */
  private quietA = NaN;
  private quietB = NaN;
  /**
   * The flow of the last packet between the quiet pair, when its addresses
   * are the flow's own (no tunnel, not a fragment: flow and check then read
   * the same level), else NaN. Its next packets are between the same two
   * addresses, so the flow id alone says the pair is quiet.
   */
  private quietFlow = NaN;

  private forgetQuiet(): void {
    this.quietA = this.quietB = this.quietFlow = NaN;
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
    this.forgetQuiet();
    this.addrs.set(key, st);
  }

  /** Checks one address of the packet (`key`: its table key); true when it was known and not malicious. */
  private reputation(pkt: Packet, l: Layers, src: boolean, key: number, ctx: DetectContext): boolean {
    const st = this.stateOf(key);
    if (st !== undefined) {
      if (st.state !== St.Malicious) return true;
      this.maliciousAgain(st, pkt, l, src, ctx);
      return false;
    }
    this.firstSeen(key, pkt, l, src, ctx);
    return false;
  }

  /**
   * An address not in the table: remembered as special, or answered from the
   * cache, or queued for a look-up. Kept out of `reputation`, which runs twice
   * per packet: the answer's closure here would make V8 allocate a context
   * for every call of the function that creates it.
   */
  private firstSeen(key: number, pkt: Packet, l: Layers, src: boolean, ctx: DetectContext): void {
    const special = l.ipVersion === 4 ? specialBlockV4(src ? l.src4 : l.dst4) : specialBlockWords(src ? l.src6 : l.dst6);
    if (special !== undefined) {
      this.remember(key, addrState(St.Special, '', null));
      return;
    }
    const client = this.o.abuseipdb!;
    if (client.saturated) {
      // A flood of new addresses (spoofed sources) must not cost a string and a promise each once nothing can be asked.
      this.skipped++;
      return;
    }
    const ip = src ? srcAddrText(l) : dstAddrText(l);
    const cached = client.cached(ip);
    if (cached !== undefined) {
      const s = addrState(cached.score > this.o.threshold ? St.Malicious : St.Clean, ip, cached);
      this.remember(key, s);
      if (s.state === St.Malicious) this.malicious(s, tupleOf(pkt, l), pkt.tsSec, pkt.tsNsec, src, ctx, false);
      return;
    }
    const s = addrState(St.Pending, ip, null);
    this.remember(key, s);
    // The packet's numbers are kept now (the answer arrives after this packet is gone); its tuple is made only for an alert.
    this.ask(client, s, new Sighting(pkt, l), src);
  }

  /** Queues the look-up of a new address; a malicious answer alerts with the tuple and time of the packet that showed it. */
  private ask(client: ReputationLookups, s: AddrState, seen: Sighting, src: boolean): void {
    const ip = s.ip;
    const asked = Date.now();
    void client.lookup(ip).then((rep) => {
      this.forgetQuiet();
      if (rep === null) {
        s.state = St.Unknown;
        return;
      }
      s.rep = rep;
      s.state = rep.score > this.o.threshold ? St.Malicious : St.Clean;
      if (s.state === St.Malicious && this.ctx !== null) {
        this.lateAnswers++;
        this.malicious(s, seen.tuple(), seen.tsSec, seen.tsNsec, src, this.ctx, true, Date.now() - asked);
      }
    });
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
