/**
 * The record bus: stages publish alerts, flows and stats here; outputs
 * (console, files, SQLite, web, metrics) subscribe. Records are per flow or
 * per alert, never per packet, so a plain synchronous dispatcher is enough.
 * Subscribers must not block: slow ones buffer with a bound (see output/).
 */
import type { EventRecord } from './pipeline.js';

export type RecordKind = 'alert' | 'flow' | 'stats' | 'anomaly';
export type RecordListener = (rec: EventRecord) => void;

export class EventBus {
  private readonly listeners = new Map<RecordKind, RecordListener[]>();
  private readonly countListeners = new Map<RecordKind, (() => void)[]>();
  private readonly counts = new Map<RecordKind, number>();

  /** Subscribes to the records of `kind`. */
  on(kind: RecordKind, fn: RecordListener): void {
    addTo(this.listeners, kind, fn);
  }

  /**
   * Subscribes to the occurrences of `kind` without their records (counters).
   * Such a subscriber does not count as a listener (hasListeners), so a
   * producer whose records are costly to build (flows) can skip building
   * them and call `tally` instead.
   */
  onCount(kind: RecordKind, fn: () => void): void {
    addTo(this.countListeners, kind, fn);
  }

  emit(kind: RecordKind, rec: EventRecord): void {
    this.tally(kind);
    const l = this.listeners.get(kind);
    if (l === undefined) return;
    for (let i = 0; i < l.length; i++) l[i]!(rec);
  }

  /** One occurrence of `kind` whose record nobody listens to: counted, and counters are told. */
  tally(kind: RecordKind): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    const c = this.countListeners.get(kind);
    if (c === undefined) return;
    for (let i = 0; i < c.length; i++) c[i]!();
  }

  /** Records emitted so far, by kind. */
  count(kind: RecordKind): number {
    return this.counts.get(kind) ?? 0;
  }

  /** True when someone subscribed to the records of `kind` (counters from onCount do not count). */
  hasListeners(kind: RecordKind): boolean {
    return (this.listeners.get(kind)?.length ?? 0) > 0;
  }
}

function addTo<T>(m: Map<RecordKind, T[]>, kind: RecordKind, fn: T): void {
  const l = m.get(kind);
  if (l) l.push(fn);
  else m.set(kind, [fn]);
}
