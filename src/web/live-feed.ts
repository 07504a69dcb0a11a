/**
 * The dashboard's view of a running `read`/`capture`: a stage placed after
 * every other one that samples the monitor's per-second counts as packet time
 * advances (so a fast offline read and a live capture give the same series),
 * plus bus listeners that keep bounded lists of alerts and ended flows.
 */
import type { EventBus } from '../events.js';
import type { EventRecord, Stage } from '../pipeline.js';
import type { MonitorStage } from '../monitor/monitor-stage.js';
import type { AlertView, FlowView, MonitorView, SeriesPoint, ServerMessage, Totals } from './protocol.js';
import { alertView, flowView, LargestFlows, NewestList } from './views.js';
import type { DashboardSource } from './source.js';

export interface LiveFeedLimits {
  /** Seconds of throughput history kept for clients that connect late. */
  seriesSeconds?: number;
  /** Alerts kept for clients that connect late. */
  alerts?: number;
  /** Length of the largest / newest flow lists. */
  flows?: number;
}

/** A gap longer than this (in packet-time seconds) is drawn as one zero point, not filled second by second. */
const MAX_GAP_FILL = 300;

export class LiveFeed implements Stage, DashboardSource {
  readonly name = 'web';
  readonly mode = 'live';
  readonly seriesStep = 1;
  private readonly series: SeriesPoint[] = [];
  private pending: SeriesPoint[] = [];
  private lastSec = -1;
  private readonly seriesCap: number;
  private readonly alerts: NewestList<AlertView>;
  private alertBatch: AlertView[] = [];
  private alertTimer: NodeJS.Timeout | null = null;
  private alertSeq = 0;
  private readonly largest: LargestFlows;
  private readonly newest: NewestList<FlowView>;
  private flowsChanged = true;
  private flowCount = 0;
  private readonly bySignature = new Map<string, number>();
  private readonly alertListeners: ((msg: ServerMessage) => void)[] = [];

  constructor(
    readonly source: string,
    private readonly monitor: MonitorStage,
    bus: EventBus,
    limits: LiveFeedLimits = {},
  ) {
    this.seriesCap = limits.seriesSeconds ?? 3600;
    this.alerts = new NewestList(limits.alerts ?? 2000);
    this.largest = new LargestFlows(limits.flows ?? 25);
    this.newest = new NewestList(limits.flows ?? 25);
    bus.on('alert', (rec) => this.onAlert(rec));
    bus.on('flow', (rec) => this.onFlow(rec));
  }

  onPacket(): void {
    // Nothing per packet: the monitor counts, this stage only samples on ticks.
  }

  onTick(tsSec: number): void {
    if (this.lastSec < 0) {
      this.lastSec = tsSec;
      return;
    }
    if (tsSec <= this.lastSec) return;
    // Seconds before tsSec are complete now.
    this.sampleUpTo(tsSec - 1);
  }

  onEnd(tsSec: number): void {
    if (this.lastSec < 0) return;
    this.sampleUpTo(tsSec);
  }

  /** Appends one point per second in (lastPointSec, upTo]. */
  private sampleUpTo(upTo: number): void {
    const rates = this.monitor.rates;
    let from = this.series.length > 0 ? this.series[this.series.length - 1]![0] + 1 : this.lastSec;
    if (upTo - from > MAX_GAP_FILL) {
      this.push([from, 0, 0]);
      from = upTo - MAX_GAP_FILL;
    }
    for (let s = from; s <= upTo; s++) {
      const c = rates.at(s);
      this.push([s, c.pkts, c.bytes]);
    }
    this.lastSec = upTo;
  }

  private push(p: SeriesPoint): void {
    this.series.push(p);
    this.pending.push(p);
    // Trim in chunks so the copy happens once per 10% of the window, not every second.
    if (this.series.length > this.seriesCap * 1.1) this.series.splice(0, this.series.length - this.seriesCap);
    if (this.pending.length > this.seriesCap) this.pending.splice(0, this.pending.length - this.seriesCap);
  }

  private onAlert(rec: EventRecord): void {
    const v = alertView(rec, ++this.alertSeq);
    this.alerts.push(v);
    this.bySignature.set(v.signature, (this.bySignature.get(v.signature) ?? 0) + 1);
    if (this.alertBatch.length < 1000) this.alertBatch.push(v);
    // Coalesce bursts into one message; an alert still reaches the page within ~50 ms.
    if (this.alertTimer === null) {
      this.alertTimer = setTimeout(() => this.flushAlerts(), 50);
      this.alertTimer.unref();
    }
  }

  private flushAlerts(): void {
    this.alertTimer = null;
    if (this.alertBatch.length === 0) return;
    const msg: ServerMessage = { type: 'alerts', alerts: this.alertBatch };
    this.alertBatch = [];
    for (const l of this.alertListeners) l(msg);
  }

  private onFlow(rec: EventRecord): void {
    this.flowCount++;
    const f = flowView(rec);
    this.newest.push(f);
    this.largest.offer(f);
    this.flowsChanged = true;
  }

  private totals(): Totals {
    return { flows: this.flowCount, alerts: this.alertSeq, alertsBySignature: Object.fromEntries(this.bySignature) };
  }

  private monitorView(): MonitorView {
    return this.monitor.snapshot(10);
  }

  initial(): ServerMessage[] {
    return [
      { type: 'hello', mode: 'live', source: this.source, seriesStep: this.seriesStep },
      {
        type: 'tick',
        monitor: this.monitorView(),
        points: this.series.slice(),
        totals: this.totals(),
        flows: { largest: this.largest.items.slice(), newest: this.newest.items.slice() },
      },
      { type: 'alerts', alerts: this.alerts.items.slice().reverse() },
    ];
  }

  tick(): ServerMessage {
    const points = this.pending;
    this.pending = [];
    const flows = this.flowsChanged ? { largest: this.largest.items.slice(), newest: this.newest.items.slice() } : null;
    this.flowsChanged = false;
    return { type: 'tick', monitor: this.monitorView(), points, totals: this.totals(), flows };
  }

  onMessage(fn: (msg: ServerMessage) => void): void {
    this.alertListeners.push(fn);
  }

  close(): void {
    if (this.alertTimer !== null) clearTimeout(this.alertTimer);
    this.flushAlerts();
  }
}
