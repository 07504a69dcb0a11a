/**
 * Suricata-style `threshold: type limit, track by_src, count 1, seconds N`:
 * at most one alert per (track key, signature) per interval. The next alert
 * that passes carries how many were suppressed since the previous one; the
 * counts still pending at the end are reported by `pending()`.
 */
import { BoundedMap } from './bounded-map.js';

interface Slot {
  /** Packet time (seconds) the interval started. */
  since: number;
  suppressed: number;
}

export class Suppressor {
  private readonly slots: BoundedMap<string, Slot>;
  /** Alerts dropped by suppression, in total. */
  suppressedTotal = 0;

  constructor(
    private readonly intervalSec: number,
    maxKeys: number,
  ) {
    this.slots = new BoundedMap(maxKeys);
  }

  /**
   * Returns -1 when the alert must be dropped, else the number suppressed for
   * this key since the last alert that passed.
   */
  check(track: string, sigId: number, tsSec: number): number {
    const key = Suppressor.key(track, sigId);
    const s = this.slots.get(key);
    if (s !== undefined && tsSec - s.since < this.intervalSec) {
      s.suppressed++;
      this.suppressedTotal++;
      return -1;
    }
    const n = s?.suppressed ?? 0;
    this.slots.set(key, { since: tsSec, suppressed: 0 });
    return n;
  }

  /** The slot key of a (track key, signature) pair; callers that alert repeatedly may keep it. */
  static key(track: string, sigId: number): string {
    return `${sigId}|${track}`;
  }

  /**
   * True, and counted as suppressed, when an alert with this slot key would be
   * dropped now; otherwise nothing changes (the alert then goes through check).
   * Lets a detector skip building an alert that is certain to be dropped.
   */
  suppressIfActive(key: string, tsSec: number): boolean {
    const s = this.slots.get(key);
    if (s === undefined || tsSec - s.since >= this.intervalSec) return false;
    s.suppressed++;
    this.suppressedTotal++;
    return true;
  }

  /** (key, count) of suppressions not yet reported by a later alert. */
  pending(): Array<{ key: string; suppressed: number }> {
    const out: Array<{ key: string; suppressed: number }> = [];
    for (const [key, s] of this.slots.entries()) if (s.suppressed > 0) out.push({ key, suppressed: s.suppressed });
    return out;
  }

  get evicted(): number {
    return this.slots.evicted;
  }
}
