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
  private readonly counts = new Map<RecordKind, number>();

  on(kind: RecordKind, fn: RecordListener): void {
    const l = this.listeners.get(kind);
    if (l) l.push(fn);
    else this.listeners.set(kind, [fn]);
  }

  emit(kind: RecordKind, rec: EventRecord): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    const l = this.listeners.get(kind);
    if (l === undefined) return;
    for (let i = 0; i < l.length; i++) l[i]!(rec);
  }

  /** Records emitted so far, by kind. */
  count(kind: RecordKind): number {
    return this.counts.get(kind) ?? 0;
  }

  hasListeners(kind: RecordKind): boolean {
    return (this.listeners.get(kind)?.length ?? 0) > 0;
  }
}
