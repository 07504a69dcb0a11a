/**
 * The detect stage: runs every detector on each packet, turns their alerts
 * into EVE records (with suppression) and publishes them on the EventBus as
 * 'alert'. Ended flows from the flow stage reach detectors through the bus.
 */
import type { Packet } from '../decode/packet.js';
import type { EventBus } from '../events.js';
import { eveAlert } from '../output/eve.js';
import type { Stage } from '../pipeline.js';
import type { DetectConfig } from './config.js';
import type { Alert, DetectContext, Detector, FlowEvent } from './detector.js';
import { Suppressor } from './suppress.js';

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
    if (this.d0 === null) return;
    this.d0.onPacket(pkt, this);
    if (this.d1 === null) return;
    this.d1.onPacket(pkt, this);
    if (this.d2 === null) return;
    this.d2.onPacket(pkt, this);
    if (this.d3 === null) return;
    this.d3.onPacket(pkt, this);
    if (this.d4 === null) return;
    this.d4.onPacket(pkt, this);
    const more = this.more;
    for (let i = 0; i < more.length; i++) more[i]!.onPacket(pkt, this);
  }

  onTick(tsSec: number): void {
    for (let i = 0; i < this.n; i++) this.detectors[i]!.onTick?.(tsSec, this);
  }

  async onEnd(tsSec: number): Promise<void> {
    for (const d of this.detectors) await d.onEnd?.(tsSec, this);
  }

  /** DetectContext: suppress, format, publish. */
  alert(a: Alert): void {
    this.alertsRaised++;
    let suppressed = 0;
    if (this.suppressor !== null) {
      suppressed = this.suppressor.check(a.trackBy ?? a.tuple.srcIp, a.sig.id, a.tsSec);
      if (suppressed < 0) return;
    }
    this.alertsPublished++;
    this.o.bus.emit('alert', eveAlert(a, suppressed));
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
    const s: Record<string, number> = {
      alertsRaised: this.alertsRaised,
      alertsPublished: this.alertsPublished,
      alertsSuppressed: this.suppressor?.suppressedTotal ?? 0,
      suppressionKeysEvicted: this.suppressor?.evicted ?? 0,
    };
    for (const d of this.detectors) for (const [k, v] of Object.entries(d.stats())) s[`${d.name}.${k}`] = v;
    return s;
  }

  async close(): Promise<void> {
    for (const d of this.detectors) await d.close?.();
  }
}
