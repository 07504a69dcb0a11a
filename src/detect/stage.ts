/**
 * The detect stage: runs every detector on each packet, turns their alerts
 * into EVE records (with suppression) and publishes them on the EventBus as
 * 'alert'. Ended flows from the flow stage reach detectors through the bus.
 *
 * With the DNS, port-scan and flood detectors in a worker thread
 * (thread/threaded-detectors.ts), alerts are published in the order they
 * would have on one thread: by event (packet, tick, end of input) and, within
 * one, by detector position. An alert of another detector waits until the
 * worker has passed its event; alerts raised between events (look-up
 * answers, flows ended by the flow stage) sort after that event's.
 */
import type { Packet } from '../decode/packet.js';
import type { EventBus } from '../events.js';
import { eveAlert } from '../output/eve.js';
import type { Stage } from '../pipeline.js';
import type { DetectConfig } from './config.js';
import type { Alert, DetectContext, Detector, FlowEvent } from './detector.js';
import { Suppressor } from './suppress.js';
import { ThreadedDetectors } from './thread/threaded-detectors.js';
import type { EveAlert } from '../output/eve.js';

/**
 * A detector's position in alert order is its index times SPAN; the worker's
 * detectors take the positions after the threaded group's (its index times
 * SPAN plus theirs in the worker).
 */
const SPAN = 8;
/** Position of "no detector running": alerts raised between events sort after every detector's alerts of the event. */
const BETWEEN = 1 << 30;

/** An alert waiting for the worker thread to pass its event. */
interface HeldAlert {
  event: number;
  pos: number;
  rec: EveAlert;
}

export interface DetectStageOptions {
  bus: EventBus;
  mtu: number;
  suppress: DetectConfig['suppress'];
  log: (msg: string) => void;
}

export class DetectStage implements Stage, DetectContext {
  readonly name = 'detect';
  readonly mtu: number;
  private readonly suppressor: Suppressor | null;
  private readonly n: number;
  /**
   * The detectors again, one field per position: each gets its own call site
   * in onPacket, which then sees one or two classes. A single call site over
   * all of them would see five classes and go megamorphic (a stub-cache
   * look-up per call and no inlining, on every packet).
   */
  private readonly d0: Detector | null;
  private readonly d1: Detector | null;
  private readonly d2: Detector | null;
  private readonly d3: Detector | null;
  private readonly d4: Detector | null;
  /** Detectors beyond the fifth (none in the shipped rule sets). */
  private readonly more: readonly Detector[];
  alertsRaised = 0;
  alertsPublished = 0;
  /** Number of the packet, tick or end of input being processed (DetectContext). */
  event = 0;
  /** Position of the detector running, or BETWEEN. */
  private cur = BETWEEN;
  /** The detectors running in a worker thread, and their index. */
  private readonly thread: ThreadedDetectors | null;
  private readonly threadPos: number;
  /** Alerts of the other detectors waiting for the worker, in order. */
  private held: HeldAlert[] = [];

  constructor(
    readonly detectors: readonly Detector[],
    private readonly o: DetectStageOptions,
  ) {
    this.mtu = o.mtu;
    this.n = detectors.length;
    this.d0 = detectors[0] ?? null;
    this.d1 = detectors[1] ?? null;
    this.d2 = detectors[2] ?? null;
    this.d3 = detectors[3] ?? null;
    this.d4 = detectors[4] ?? null;
    this.more = detectors.slice(5);
    this.threadPos = detectors.findIndex((d) => d instanceof ThreadedDetectors);
    this.thread = this.threadPos >= 0 ? (detectors[this.threadPos] as ThreadedDetectors) : null;
    if (this.thread !== null) {
      this.thread.onProgress = () => this.release();
      this.thread.log = o.log;
    }
    this.suppressor = o.suppress.enabled ? new Suppressor(o.suppress.intervalSec, o.suppress.maxKeys) : null;
    if (detectors.some((d) => d.onFlow !== undefined)) {
      o.bus.on('flow', (rec) => {
        for (const d of this.detectors) d.onFlow?.(rec as FlowEvent, this);
      });
    }
  }

  /** Finishes every detector's one-time set-up; call before the first packet. */
  async ready(): Promise<void> {
    for (const d of this.detectors) await d.ready?.();
  }

  onPacket(pkt: Packet): void {
    this.event++;
    this.dispatch(pkt);
    this.cur = BETWEEN;
  }

  private dispatch(pkt: Packet): void {
    if (this.d0 === null) return;
    this.cur = 0 * SPAN;
    this.d0.onPacket(pkt, this);
    if (this.d1 === null) return;
    this.cur = 1 * SPAN;
    this.d1.onPacket(pkt, this);
    if (this.d2 === null) return;
    this.cur = 2 * SPAN;
    this.d2.onPacket(pkt, this);
    if (this.d3 === null) return;
    this.cur = 3 * SPAN;
    this.d3.onPacket(pkt, this);
    if (this.d4 === null) return;
    this.cur = 4 * SPAN;
    this.d4.onPacket(pkt, this);
    const more = this.more;
    for (let i = 0; i < more.length; i++) {
      this.cur = (5 + i) * SPAN;
      more[i]!.onPacket(pkt, this);
    }
  }

  onTick(tsSec: number): void {
    this.event++;
    for (let i = 0; i < this.n; i++) {
      this.cur = i * SPAN;
      this.detectors[i]!.onTick?.(tsSec, this);
    }
    this.cur = BETWEEN;
  }

  async onEnd(tsSec: number): Promise<void> {
    this.event++;
    for (let i = 0; i < this.n; i++) {
      this.cur = i * SPAN;
      await this.detectors[i]!.onEnd?.(tsSec, this);
      // The worker has finished everything: what it sent and what waited for it goes out.
      if (i === this.threadPos) this.release();
    }
    this.cur = BETWEEN;
    if (this.thread !== null) this.release();
  }

  /** DetectContext: suppress, format, publish (or hold, while the worker thread is behind). */
  alert(a: Alert): void {
    const rec = this.check(a);
    if (rec === null) return;
    const t = this.thread;
    if (t !== null) {
      t.collect();
      if (this.held.length > 0 || t.received.length > 0 || !t.caughtUp()) {
        this.held.push({ event: this.event, pos: this.cur, rec });
        return;
      }
    }
    this.publish(rec);
  }

  /** Counts and suppresses an alert; its EVE record, or null when suppressed. */
  private check(a: Alert): EveAlert | null {
    this.alertsRaised++;
    let suppressed = 0;
    if (this.suppressor !== null) {
      suppressed = this.suppressor.check(a.trackBy ?? a.tuple.srcIp, a.sig.id, a.tsSec);
      if (suppressed < 0) return null;
    }
    return eveAlert(a, suppressed);
  }

  private publish(rec: EveAlert): void {
    this.alertsPublished++;
    this.o.bus.emit('alert', rec);
  }

  /**
   * Publishes, in (event, position) order, the worker's alerts and the held
   * ones up to the event the worker has finished (all of them once it has
   * caught up with everything written).
   */
  private release(): void {
    const t = this.thread!;
    t.collect();
    const all = t.caughtUp();
    const done = t.finishedEvent();
    const recv = t.received;
    const held = this.held;
    let wi = 0;
    let hi = 0;
    for (;;) {
      const w = wi < recv.length && (all || recv[wi]!.event <= done) ? recv[wi]! : null;
      const h = hi < held.length && (all || held[hi]!.event <= done) ? held[hi]! : null;
      if (w === null && h === null) break;
      if (w !== null && (h === null || w.event < h.event || (w.event === h.event && this.threadPos * SPAN + w.det < h.pos))) {
        wi++;
        const rec = this.check(w.alert);
        if (rec !== null) this.publish(rec);
      } else {
        hi++;
        this.publish(h!.rec);
      }
    }
    if (wi > 0) recv.splice(0, wi);
    if (hi > 0) held.splice(0, hi);
  }

  suppressionKey(track: string, sigId: number): string {
    return Suppressor.key(track, sigId);
  }

  /** DetectContext: the suppression verdict without building the alert. */
  suppressed(key: string, tsSec: number): boolean {
    if (this.suppressor === null || !this.suppressor.suppressIfActive(key, tsSec)) return false;
    this.alertsRaised++;
    return true;
  }

  log(msg: string): void {
    this.o.log(msg);
  }

  /** Counters of the stage and every detector ("portscan.probesEvicted": 0, ...). */
  stats(): Record<string, number> {
    // The worker's counters first: reading them waits for it, and what it raised by then is published and counted.
    const threadStats = this.thread?.stats() ?? {};
    if (this.thread !== null) this.release();
    const s: Record<string, number> = {
      alertsRaised: this.alertsRaised,
      alertsPublished: this.alertsPublished,
      alertsSuppressed: this.suppressor?.suppressedTotal ?? 0,
      suppressionKeysEvicted: this.suppressor?.evicted ?? 0,
    };
    for (const d of this.detectors) {
      // The worker's detectors come keyed by their own names.
      if (d === this.thread) Object.assign(s, threadStats);
      else for (const [k, v] of Object.entries(d.stats())) s[`${d.name}.${k}`] = v;
    }
    return s;
  }

  async close(): Promise<void> {
    for (const d of this.detectors) await d.close?.();
  }
}
