/**
 * The cheap statistical detector beside Kitsune: per second of packet time it
 * counts packets, bytes, new flows (5-tuples not seen in the last
 * `flowIdleSec`), distinct destinations and small frames (≤ 100 bytes), keeps an EWMA mean and variance of
 * each, and alerts when a second's z-score exceeds `z`. Values enter the
 * baseline clipped at mean + clipZ·sd, so recurring benign bursts widen it
 * while a flood cannot quickly become the new normal. Alerts name the
 * second's top source and destination.
 */
import type { Packet } from '../../decode/packet.js';
import type { EventBus } from '../../events.js';
import { eveAlert } from '../../output/eve.js';
import type { Stage } from '../../pipeline.js';
import { formatIPv4, formatIPv6Words } from '../../util/format.js';
import type { Signature } from '../detector.js';
import { Suppressor } from '../suppress.js';
import { WordKeyIndex } from './keys.js';

export const VOLUME_METRICS = ['packets', 'bytes', 'new_flows', 'distinct_destinations', 'small_packets'] as const;
export type VolumeMetric = (typeof VOLUME_METRICS)[number];

export const VOLUME_SIGS: Record<VolumeMetric, Signature> = {
  packets: { id: 9100061, name: 'Volume spike: packets per second', category: 'Denial of Service', severity: 2 },
  bytes: { id: 9100062, name: 'Volume spike: bytes per second', category: 'Denial of Service', severity: 2 },
  new_flows: { id: 9100063, name: 'Volume spike: new flows per second', category: 'Denial of Service', severity: 2 },
  distinct_destinations: { id: 9100064, name: 'Volume spike: distinct destinations per second', category: 'Attempted Information Leak', severity: 2 },
  small_packets: { id: 9100065, name: 'Volume spike: small packets per second', category: 'Denial of Service', severity: 2 },
};

export interface VolumeOptions {
  bus: EventBus;
  /** EWMA smoothing factor per second. */
  alpha: number;
  /** z-score above which a second is anomalous. */
  z: number;
  /** Values enter the baseline clipped at mean + clipZ·sd (Huber-style robustness). */
  clipZ: number;
  /** Seconds of baseline before alerting. */
  warmupSec: number;
  /** A 5-tuple idle this long counts as new again. */
  flowIdleSec: number;
  /** Most 5-tuples remembered (the table is cleared when full). */
  maxFlows: number;
  suppressSec: number;
}

export const DEFAULT_VOLUME: Omit<VolumeOptions, 'bus'> = {
  alpha: 0.02, z: 6, clipZ: 3, warmupSec: 20, flowIdleSec: 60, maxFlows: 200_000, suppressSec: 10,
};

/** One flagged second (kept for tests and reports). */
export interface VolumeSpike {
  second: number;
  metric: VolumeMetric;
  value: number;
  mean: number;
  z: number;
}

const NM = VOLUME_METRICS.length;
/** Wire length up to which a frame counts as small (headers plus a few bytes). */
const SMALL_FRAME = 100;
const ADDR_WORDS = 5;
const MAX_GAP_SECONDS = 3600;

export class VolumeStage implements Stage {
  readonly name = 'volume';
  private curSec = -1;
  private readonly counts = new Float64Array(NM);
  private readonly mean = new Float64Array(NM);
  private readonly vari = new Float64Array(NM);
  private seconds = 0;
  private readonly flows: WordKeyIndex;
  private flowLast: Float64Array;
  private flowNext = 0;
  private lastFlowSweep = 0;
  private readonly dsts = new WordKeyIndex(ADDR_WORDS, 1024);
  private dstNext = 0;
  private readonly srcs = new WordKeyIndex(ADDR_WORDS, 1024);
  private srcCount = new Float64Array(1024);
  private srcNext = 0;
  private dstCount = new Float64Array(1024);
  private flowFree: number[] = [];
  private readonly suppressor: Suppressor;
  readonly spikes: VolumeSpike[] = [];
  alertsPublished = 0;

  constructor(private readonly o: VolumeOptions) {
    this.flows = new WordKeyIndex(12, 4096);
    this.flowLast = new Float64Array(4096);
    this.suppressor = new Suppressor(o.suppressSec, 1000);
  }

  onPacket(pkt: Packet): void {
    const sec = pkt.tsSec;
    if (this.curSec < 0) this.curSec = sec;
    else if (sec > this.curSec) this.advance(sec, pkt.tsNsec);
    const t = pkt.time;
    this.counts[0]! += 1;
    this.counts[1]! += pkt.len;
    // Floods are mostly header-only frames; bulk transfers (the common benign burst) are mostly full-size.
    if (pkt.len <= SMALL_FRAME) this.counts[4]! += 1;
    if (pkt.ipVersion === 0) return;
    // New 5-tuple?
    const fk = this.flows.key;
    fk[0] = pkt.ipVersion;
    fk[9] = (pkt.sport << 16) | pkt.dport;
    fk[10] = pkt.ipProto;
    fk[11] = 0;
    if (pkt.ipVersion === 4) {
      fk[1] = pkt.src4;
      fk[2] = fk[3] = fk[4] = 0;
      fk[5] = pkt.dst4;
      fk[6] = fk[7] = fk[8] = 0;
    } else {
      for (let i = 0; i < 4; i++) {
        fk[1 + i] = pkt.src6[i]!;
        fk[5 + i] = pkt.dst6[i]!;
      }
    }
    let f = this.flows.find();
    if (f < 0 || t - this.flowLast[f]! > this.o.flowIdleSec) {
      this.counts[2]! += 1;
      if (f < 0) {
        // A full table is cleared: its tuples count as new once more (only under a flood of tuples).
        if (this.flows.size >= this.o.maxFlows) this.resetFlows();
        f = this.flowFree.length > 0 ? this.flowFree.pop()! : this.flowNext++;
        if (f >= this.flowLast.length) {
          const g = new Float64Array(this.flowLast.length * 2);
          g.set(this.flowLast);
          this.flowLast = g;
        }
        this.flows.add(f);
      }
    }
    this.flowLast[f] = t;
    // Distinct destinations and per-address packet counts this second.
    const dk = this.dsts.key;
    addrWords(pkt, false, dk);
    let d = this.dsts.find();
    if (d < 0) {
      d = this.dstNext++;
      this.dsts.add(d);
      this.counts[3]! += 1;
      if (d >= this.dstCount.length) {
        const g = new Float64Array(this.dstCount.length * 2);
        g.set(this.dstCount);
        this.dstCount = g;
      }
      this.dstCount[d] = 0;
    }
    this.dstCount[d]! += 1;
    const sk = this.srcs.key;
    addrWords(pkt, true, sk);
    let s = this.srcs.find();
    if (s < 0) {
      s = this.srcNext++;
      this.srcs.add(s);
      if (s >= this.srcCount.length) {
        const g = new Float64Array(this.srcCount.length * 2);
        g.set(this.srcCount);
        this.srcCount = g;
      }
      this.srcCount[s] = 0;
    }
    this.srcCount[s]! += 1;
  }

  private resetFlows(): void {
    this.flows.clear();
    this.flowNext = 0;
    this.flowFree = [];
  }

  /** Forgets 5-tuples idle longer than flowIdleSec (they would count as new anyway). */
  private sweepFlows(now: number): void {
    const idle = this.o.flowIdleSec;
    for (let f = 0; f < this.flowNext; f++) {
      if (this.flowLast[f]! >= 0 && now - this.flowLast[f]! > idle) {
        this.flows.release(f);
        this.flowLast[f] = -1;
        this.flowFree.push(f);
      }
    }
  }

  /** Closes the current second (and empty seconds up to `sec`). */
  private advance(sec: number, nsec: number): void {
    this.closeSecond(this.curSec, nsec);
    const gap = Math.min(sec - this.curSec - 1, MAX_GAP_SECONDS);
    for (let i = 0; i < gap; i++) this.closeSecond(this.curSec + 1 + i, 0);
    this.curSec = sec;
    if (sec - this.lastFlowSweep >= 10) {
      this.lastFlowSweep = sec;
      this.sweepFlows(sec + nsec / 1e9);
    }
  }

  private closeSecond(sec: number, nsec: number): void {
    const o = this.o;
    const warm = this.seconds >= o.warmupSec;
    for (let m = 0; m < NM; m++) {
      const x = this.counts[m]!;
      const mu = this.mean[m]!;
      // Floor the deviation so a perfectly flat baseline does not make every wiggle infinite.
      const sd = Math.max(Math.sqrt(this.vari[m]!), 0.1 * mu, 1);
      if (warm) {
        const z = (x - mu) / sd;
        if (z > o.z) this.spike(sec, nsec, VOLUME_METRICS[m]!, x, mu, z);
      }
      if (this.seconds === 0) this.mean[m] = x;
      else {
        // Learn from every second, but clip outliers: recurring benign bursts widen the
        // baseline over time, while one flood cannot drag it up in a few seconds.
        const xc = warm ? Math.min(x, mu + o.clipZ * sd) : x;
        const d = xc - mu;
        this.mean[m] = mu + o.alpha * d;
        this.vari[m] = (1 - o.alpha) * (this.vari[m]! + o.alpha * d * d);
      }
      this.counts[m] = 0;
    }
    this.seconds++;
    this.topSrc = this.topOf(this.srcCount, this.srcNext, true);
    this.topDst = this.topOf(this.dstCount, this.dstNext, false);
    this.dsts.clear();
    this.dstNext = 0;
    this.srcs.clear();
    this.srcNext = 0;
    this.flushPending();
  }

  private topSrc = '';
  private topDst = '';
  private pending: VolumeSpike[] = [];

  private spike(sec: number, _nsec: number, metric: VolumeMetric, value: number, mean: number, z: number): void {
    const s = { second: sec, metric, value, mean: Number(mean.toFixed(3)), z: Number(z.toFixed(2)) };
    this.spikes.push(s);
    this.pending.push(s);
  }

  /** Alerts for the second just closed (after its top talkers are known). */
  private flushPending(): void {
    for (const s of this.pending) {
      const sig = VOLUME_SIGS[s.metric];
      const suppressed = this.suppressor.check(s.metric, sig.id, s.second);
      if (suppressed < 0) continue;
      this.alertsPublished++;
      const rec = eveAlert({
        tsSec: s.second,
        tsNsec: 0,
        tuple: { srcIp: this.topSrc, srcPort: null, destIp: this.topDst, destPort: null, proto: 'IP', flowId: null, communityId: null },
        sig,
        detector: 'volume',
        evidence: { metric: s.metric, [`${s.metric}_this_second`]: s.value, baseline_mean: s.mean, z: s.z, z_threshold: this.o.z },
      }, suppressed);
      this.o.bus.emit('alert', rec);
    }
    this.pending = [];
  }

  private topOf(counts: Float64Array, n: number, src: boolean): string {
    let best = -1;
    for (let i = 0; i < n; i++) if (best < 0 || counts[i]! > counts[best]!) best = i;
    if (best < 0) return '';
    return this.addrText(best, src);
  }

  /** Text of an address id of this second (alerts only). */
  private addrText(id: number, src: boolean): string {
    const w = (src ? this.srcs : this.dsts).wordsOf(id);
    if (w[0] === 4) return formatIPv4(w[1]!);
    return formatIPv6Words(w.subarray(1, 5));
  }

  onEnd(): void {
    if (this.curSec >= 0) this.closeSecond(this.curSec, 0);
  }

  stats(): Record<string, number> {
    return { seconds: this.seconds, spikes: this.spikes.length, alertsPublished: this.alertsPublished, flowsTracked: this.flows.size };
  }
}

function addrWords(pkt: Packet, src: boolean, k: Uint32Array): void {
  k[0] = pkt.ipVersion;
  if (pkt.ipVersion === 4) {
    k[1] = src ? pkt.src4 : pkt.dst4;
    k[2] = k[3] = k[4] = 0;
  } else {
    const a = src ? pkt.src6 : pkt.dst6;
    for (let i = 0; i < 4; i++) k[1 + i] = a[i]!;
  }
}
